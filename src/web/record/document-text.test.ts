import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractDocumentSections, markupToText } from './document-text.ts';

const encode = (s: string) => new TextEncoder().encode(s);

test('html notes lose scripts, styles, handlers and tags but keep their words and line structure', () => {
  const html =
    '<html><head><title>x</title><script>alert(1)</script></head><body><p onclick="evil()">Blood &amp; <b>sugar</b> ok</p><style>p{}</style><img src=x onerror=alert(2)><div>Next&nbsp;line &#x3C;tag&#62;</div></body></html>';
  assert.deepEqual(extractDocumentSections('text/html; charset=utf-8', encode(html)), [
    { title: 'Document', text: 'Blood & sugar ok\nNext line <tag>' },
  ]);
});

test('c-cda documents become one section per section element with its title', () => {
  const cda =
    '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Summary</title><component><section><title>Allergies</title><text><list><item>Penicillin</item><item>Peanuts</item></list></text></section><section><title>Empty</title><text/></section><section><title>Meds</title><text><table><tr><td>Aspirin</td><td>81 mg</td></tr></table></text></section></component></ClinicalDocument>';
  assert.deepEqual(extractDocumentSections('application/xml', encode(cda)), [
    { title: 'Allergies', text: 'Penicillin\nPeanuts' },
    { title: 'Meds', text: 'Aspirin 81 mg' },
  ]);
});

test('binary types have no text sections and control characters are dropped', () => {
  assert.deepEqual(extractDocumentSections('application/pdf', encode('%PDF-1.4')), []);
  assert.equal(markupToText('a\u0000b\u0007c &#0; &#x110000; &bogus;'), 'abc &bogus;');
});
