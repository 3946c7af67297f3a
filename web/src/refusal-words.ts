import type { Locale } from '../../shared/domain/locales.ts';

/** An answer the API refused, with its words (a 400's reason, a 403's rule); `status` 0: no network. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a status means to the person who sent the request, for answers that have no words of their own. */
const HEADLINES: Record<Locale, Record<number, string>> = {
  'zh-CN': {
    400: '提交的内容有误',
    401: '登录已失效，请重新登录',
    403: '无权办理',
    404: '未找到',
    409: '案件状态已变化，请刷新后重试',
    413: '内容过大',
    429: '尝试过于频繁，请稍后再试',
  },
  en: {
    400: 'the request is not valid',
    401: 'signed out: sign in again',
    403: 'not allowed',
    404: 'not found',
    409: 'the case has changed: refresh and try again',
    413: 'too large',
    429: 'too many tries: wait a moment',
  },
};

/**
 * A refusal in Chinese first: the API's own Chinese (`localMessage`) where it gives one,
 * else what the status means, with the API's English words after it. In English (a page
 * at `?lang=en`): the API's English words, else what the status means.
 */
export function refusalWords(
  status: number,
  body: { message?: string; localMessage?: string } | null,
  locale: Locale = 'zh-CN',
): string {
  if (locale === 'en') return body?.message ?? HEADLINES.en[status] ?? `request refused (${status})`;
  if (body?.localMessage) return body.localMessage;
  const headline =
    HEADLINES['zh-CN'][status] ?? (status >= 500 ? '服务暂时不可用，请稍后重试' : `请求未成功（${status}）`);
  return body?.message ? `${headline}：${body.message}` : headline;
}
