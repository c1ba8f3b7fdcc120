/**
 * ANSI styling for the terminal renderer. With colour off every function is the identity, so the text renderer
 * builds one layout and tests compare it byte for byte. Only SGR sequences (ESC [ … m) are ever emitted.
 */
import type { Grade } from './format.js';

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  /** colour by how good or bad the value is */
  grade(grade: Grade, s: string): string;
}

const SGR: Record<Grade | 'bold' | 'dim', string> = {
  bold: '1',
  dim: '2',
  good: '32',
  neutral: '36',
  warn: '33',
  bad: '1;31',
};

function wrap(code: string, s: string): string {
  return s === '' ? s : `\u001b[${code}m${s}\u001b[0m`;
}

const identity = (s: string) => s;

export function makeStyle(color: boolean): Style {
  if (!color) return { bold: identity, dim: identity, grade: (_g, s) => s };
  return {
    bold: (s) => wrap(SGR.bold, s),
    dim: (s) => wrap(SGR.dim, s),
    grade: (g, s) => wrap(SGR[g], s),
  };
}
