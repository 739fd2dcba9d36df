/** Epic's OperationOutcome coding system (docs/epic-facts.md §5). */
export const epicOutcomeSystem = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.657369';

/** The Epic codes the sandbox answers with, with Epic's wording, severity and FHIR issue code. */
export const epicCodes = {
  invalidParameter: {
    code: '4100',
    text: 'The resource request contained an invalid parameter.',
    severity: 'fatal',
    issue: 'value',
  },
  noResults: {
    code: '4101',
    text: 'Resource request returns no results.',
    severity: 'warning',
    issue: 'processing',
  },
  invalidId: {
    code: '4102',
    text: 'The read resource request contained an invalid ID.',
    severity: 'fatal',
    issue: 'not-found',
  },
  noParameters: {
    code: '4110',
    text: 'No parameters are provided in the search request.',
    severity: 'fatal',
    issue: 'required',
  },
  missingParameter: {
    code: '4111',
    text: 'Required search parameter missing from request.',
    severity: 'fatal',
    issue: 'required',
  },
  invalidCombination: {
    code: '4112',
    text: 'The resource request contained an invalid combination of parameters.',
    severity: 'fatal',
    issue: 'value',
  },
  invalidRequiredValue: {
    code: '4115',
    text: 'Required search parameter has an invalid value.',
    severity: 'fatal',
    issue: 'value',
  },
  sessionExpired: {
    code: '4113',
    text: 'Session ID for cached search results has expired.',
    severity: 'fatal',
    issue: 'processing',
  },
  notAuthorized: {
    code: '4118',
    text: 'User not authorized for request.',
    severity: 'fatal',
    issue: 'forbidden',
  },
  partialRecord: {
    code: '4119',
    text: 'This resource may not contain the entire record.',
    severity: 'warning',
    issue: 'informational',
  },
  categoryOrCodeRequired: {
    code: '59108',
    text: 'Either a code or a category is required.',
    severity: 'fatal',
    issue: 'required',
  },
  carePlanCategoryRequired: {
    code: '59159',
    text: 'A category is required.',
    severity: 'fatal',
    issue: 'required',
  },
  binaryNotAuthorized: {
    code: '59203',
    text: 'The requested binary content is not authorized.',
    severity: 'fatal',
    issue: 'forbidden',
  },
  subTypeNotAuthorized: {
    code: '59204',
    text: 'Sub-resource not authorized; some results were omitted.',
    severity: 'warning',
    issue: 'suppressed',
  },
} as const;

export type EpicCode = (typeof epicCodes)[keyof typeof epicCodes];

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: Record<string, unknown>[];
}

/** An OperationOutcome with one issue per Epic code, `diagnostics` naming the offending parameter if any. */
export function createOutcome(issues: { code: EpicCode; diagnostics?: string }[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map(({ code, diagnostics }) => ({
      severity: code.severity,
      code: code.issue,
      details: {
        coding: [{ system: epicOutcomeSystem, code: code.code, display: code.text }],
        text: code.text,
      },
      ...(diagnostics ? { diagnostics } : {}),
    })),
  };
}
