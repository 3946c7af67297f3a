/** Where operators sign in: the user pool's hosted domain (`https://…`) and the pages' app client. */
export interface OperatorSignIn {
  domain: string;
  clientId: string;
}

/**
 * What the pages read at `/app/config.json`: how people sign in, with a password at
 * `POST /auth/token` (the local stack) or through the operators' user pool's hosted
 * sign-in (AWS).
 */
export type AppConfig = { signIn: { kind: 'password' } | ({ kind: 'hosted' } & OperatorSignIn) };
