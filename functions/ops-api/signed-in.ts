import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Identity, SignInError } from '#shared/app/ports/identity';
import type { User } from '#shared/domain/case/actors';
import { HttpError } from './http-router.ts';

/**
 * The signed-in user a request is from: its `Authorization: Bearer <token>` verified
 * (locally a token from `POST /auth/token`; in AWS the operators' user pool's ID token).
 * A 401 when there is none or it is not valid.
 */
export async function signedIn(identity: Identity, event: APIGatewayProxyEventV2): Promise<User> {
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token)
    throw new HttpError(401, 'unauthenticated', {
      en: 'sign in first: send Authorization: Bearer <token>',
      zh: '请先登录',
    });
  try {
    return await identity.verify(token);
  } catch (error) {
    if (error instanceof SignInError)
      throw new HttpError(401, 'unauthenticated', { en: error.message, zh: '登录已失效，请重新登录' });
    throw error;
  }
}
