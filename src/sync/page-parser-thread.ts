import { parentPort } from 'node:worker_threads';
import { isChartbridgeError } from '../errors.ts';
import { parsePage, type PageInput } from './parse-page.ts';

/**
 * The parser thread's side (page-parser.ts starts it): parses each page it is sent and answers with the page,
 * or with the error's code and message (errors do not cross threads as ChartbridgeErrors).
 */
interface ParseRequest extends Omit<PageInput, 'body'> {
  id: number;
  body: Uint8Array;
}

parentPort?.postMessage({ ready: true });
parentPort?.on('message', (request: ParseRequest) => {
  try {
    const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    parentPort!.postMessage({ id: request.id, page: parsePage({ ...request, body }) });
  } catch (error) {
    const code = isChartbridgeError(error) ? error.code : 'ERR_FHIR_RESPONSE_INVALID';
    const message = isChartbridgeError(error) ? error.message : `${request.what} could not be parsed`;
    parentPort!.postMessage({ id: request.id, error: { code, message } });
  }
});
