/** What a status means to the person who sent the request, for answers that have no Chinese of their own. */
const HEADLINES: Record<number, string> = {
  400: '提交的内容有误',
  401: '登录已失效，请重新登录',
  403: '无权办理',
  404: '未找到',
  409: '案件状态已变化，请刷新后重试',
  413: '内容过大',
  429: '尝试过于频繁，请稍后再试',
};

/**
 * A refusal in Chinese first: the API's own Chinese (`localMessage`) where it gives one,
 * else what the status means, with the API's English words after it.
 */
export function refusalWords(status: number, body: { message?: string; localMessage?: string } | null): string {
  if (body?.localMessage) return body.localMessage;
  const headline = HEADLINES[status] ?? (status >= 500 ? '服务暂时不可用，请稍后重试' : `请求未成功（${status}）`);
  return body?.message ? `${headline}：${body.message}` : headline;
}
