/** src/render/explanation.schema.json compiled with the diagnosis schema it references (ajv, strict). */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';

const root = new URL('../../', import.meta.url);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

export const validateExplanation = (() => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('date-time', (s: string) => ISO.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addSchema(JSON.parse(readFileSync(new URL('src/render/diagnosis.schema.json', root), 'utf8')));
  return ajv.compile(JSON.parse(readFileSync(new URL('src/render/explanation.schema.json', root), 'utf8')));
})();

/** A failure message that shows the first schema errors. */
export function schemaErrors(): string {
  return JSON.stringify(validateExplanation.errors?.slice(0, 3));
}
