#!/usr/bin/env node
// `node bin/cert-doctor.mjs …` (npm start, older instructions): the same program as bin/cert-doctor.cjs.
import './cert-doctor.cjs';
