// The sweep bench's pool worker as the installed bot runs it: the compiled production worker
// (dist/check-worker.js, built by `npm run bench`), unchanged, plus the bench resolver (sweep-resolver.mjs).
import './sweep-resolver.mjs';

export { default } from '../dist/check-worker.js';
