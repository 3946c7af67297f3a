import { describe, expect, it } from 'vitest';
import { refusalWords } from '../../web/src/refusal-words.ts';

describe('a refusal as the pages show it', () => {
  it('is the API’s Chinese where it gives one', () => {
    expect(refusalWords(403, { message: 'start is for …', localMessage: '「开始处置」由案件所在单位办理' })).toBe(
      '「开始处置」由案件所在单位办理',
    );
    // A sign-in held after too many wrong passwords: the form says how long to wait.
    expect(
      refusalWords(429, { message: 'too many failed sign-ins…', localMessage: '登录失败次数过多，请于10分钟后再试' }),
    ).toBe('登录失败次数过多，请于10分钟后再试');
  });

  it('else says in Chinese what the status means, with the API’s English after it', () => {
    expect(refusalWords(400, { message: 'location: Invalid input' })).toBe('提交的内容有误：location: Invalid input');
    expect(refusalWords(409, { message: 'too fast' })).toBe('案件状态已变化，请刷新后重试：too fast');
    expect(refusalWords(503, null)).toBe('服务暂时不可用，请稍后重试');
    expect(refusalWords(418, {})).toBe('请求未成功（418）');
    expect(refusalWords(429, { message: 'Too Many Requests' })).toBe('尝试过于频繁，请稍后再试：Too Many Requests');
  });
});
