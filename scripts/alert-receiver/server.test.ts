import { startAlertReceiver, type AlertReceiver } from './server';

let receiver: AlertReceiver;
beforeEach(async () => {
  receiver = await startAlertReceiver();
});
afterEach(() => receiver.close());

const post = (body: unknown, key?: string) =>
  fetch(receiver.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });

it('keeps each idempotency key once, and lists what it took', async () => {
  expect((await post({ text: 'a' }, 'k1')).status).toBe(200);
  expect((await post({ text: 'a again' }, 'k1')).status).toBe(200);
  expect((await post({ text: 'b' }, 'k2')).status).toBe(200);
  const listed = (await (await fetch(`${receiver.url}_received`)).json()) as { id: string; body: unknown }[];
  expect(listed.map((r) => [r.id, r.body])).toEqual([
    ['k1', { text: 'a' }],
    ['k2', { text: 'b' }],
  ]);
  expect(receiver.duplicates).toBe(1);
});

it('fails on purpose when asked, then takes the retry', async () => {
  await fetch(`${receiver.url}_fail`, { method: 'POST', body: JSON.stringify({ count: 1 }) });
  expect((await post({ text: 'x' }, 'k')).status).toBe(503);
  expect((await post({ text: 'x' }, 'k')).status).toBe(200);
  expect(receiver.received).toHaveLength(1);
});
