import type { ServerRecipes } from '../types.js';
import { chainRecipes } from './chain.js';
import { httpRecipes } from './http.js';
import { identityRecipes } from './identity.js';
import { keyRecipes } from './keys.js';
import { mtlsRecipes } from './mtls.js';
import { pathRecipes } from './path.js';
import { protocolRecipes } from './protocol.js';
import { revocationRecipes } from './revocation.js';
import { transportRecipes } from './transport.js';
import { validityRecipes } from './validity.js';

/** Every finding code's server fixes; the type makes a missing code a compile error. */
export const SERVER_RECIPES: ServerRecipes = {
  ...transportRecipes,
  ...validityRecipes,
  ...chainRecipes,
  ...identityRecipes,
  ...keyRecipes,
  ...revocationRecipes,
  ...protocolRecipes,
  ...httpRecipes,
  ...mtlsRecipes,
  ...pathRecipes,
};
