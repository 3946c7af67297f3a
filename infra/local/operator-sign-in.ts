import { join } from 'node:path';
import { LocalSignIn, type NewUser } from './sign-in.ts';
import type { SignInPolicy } from './sign-in-throttle.ts';
import type { Piece, Twin } from './pieces.ts';

export interface LocalOperatorSignIn extends Piece {
  signIn: LocalSignIn;
  /** Users made at this start (the folder had none), with their passwords: told once. */
  createdUsers: NewUser[];
}

export interface OperatorSignInSettings {
  /** The users to make when the data folder has no users file (default: one sample user per role, with new passwords). */
  users?: NewUser[];
  /** How many wrong passwords the sign-in takes (default the user pool's own policy: sign-in-throttle.ts); tests shorten it. */
  signInPolicy?: Partial<SignInPolicy>;
}

/**
 * The operators' user pool (`OperatorSignIn`): the users and signing key of
 * `<folder>/sign-in`, tokens from `POST /auth/token` on the ops API (`apiUrl`, their
 * issuer), verified by the functions with the keys it publishes.
 */
export async function startOperatorSignIn(
  options: OperatorSignInSettings & Pick<Twin, 'folder' | 'apiUrl'>,
): Promise<LocalOperatorSignIn> {
  const { signIn, created } = await LocalSignIn.open(
    join(options.folder, 'sign-in'),
    options.apiUrl,
    options.users,
    options.signInPolicy,
  );
  return { signIn, createdUsers: created, health: () => ({ up: true }), stop: async () => {} };
}
