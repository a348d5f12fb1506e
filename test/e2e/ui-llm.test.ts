/**
 * The LLM workbench in the UI: the route form (format, reply, timing
 * sliders, a tool call, a failure) writes the YAML; after Apply the OpenAI
 * SDK streams from the route, and the Traffic detail shows the merged view —
 * reassembled text and tool-call arguments beside the raw events, with time
 * to first token and tokens/s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { openUi, shoot, until } from './ui-harness.js';

test('llm route form and the merged LLM stream view', { timeout: 120_000 }, async () => {
  const ui = await openUi(`version: 1
http:
  servers:
    - name: mock
      listen: 127.0.0.1:0
      routes:
        - path: /health
          respond: { body: ok }
`);
  const { page } = ui;
  try {
    await page.click('[data-testid=nav-config]');
    await page.click('[data-testid=add-route-0]');
    await page.waitForSelector('[data-testid=route-form]');
    await page.selectOption('[data-testid=route-kind]', 'llm');
    await page.fill('[data-testid=route-path]', '/');
    await page.waitForSelector('[data-testid=llm-form]');
    await page.fill('[data-testid=llm-reply]', 'Bonjour! You said: {{last_user_message}}');
    await page.locator('[data-testid=llm-first-token]').fill('250');
    await page.locator('[data-testid=llm-rate]').fill('60');
    await page.click('[data-testid=llm-add-tool]');
    await page.fill('[data-testid=llm-tool-0-args]', '{"city": "Lyon"}');
    assert.equal(await page.textContent('[data-testid=llm-first-token-value]'), '250 ms');
    await until(async () => (await page.textContent('[data-testid=config-status]')) === 'valid', 'a valid config');
    await shoot(page, 'llm-route-form.png');
    await page.click('[data-testid=tab-yaml]');
    const yaml = await page.inputValue('[data-testid=yaml]');
    assert.match(yaml, /first_token: 250ms/);
    assert.match(yaml, /tokens_per_second: 60/);
    assert.match(yaml, /city: Lyon/);
    await page.click('[data-testid=apply]');
    await page.waitForSelector('[data-testid=apply-plan]');
    await page.click('[data-testid=confirm-apply]');
    await until(
      async () => /applied/.test((await page.textContent('[data-testid=notice]').catch(() => '')) ?? ''),
      'the applied notice',
    );

    await page.click('[data-testid=nav-traffic]');
    const client = new OpenAI({ baseURL: `${ui.listenerUrl('mock')}/v1`, apiKey: 'k', maxRetries: 0 });
    const final = await client.chat.completions
      .stream({ model: 'gpt-ui', messages: [{ role: 'user', content: 'salut' }] })
      .finalChatCompletion();
    assert.equal(final.choices[0]!.message.content, 'Bonjour! You said: salut');
    await page.fill('[data-testid=traffic-filter]', 'completions');
    const row = page.locator('[data-testid=traffic-row]').first();
    await row.waitFor();
    await row.click();
    await page.waitForSelector('[data-testid=llm-stream]');
    await until(
      async () => (await page.textContent('[data-testid=llm-text]')) === 'Bonjour! You said: salut',
      'the reassembled text',
    );
    assert.match((await page.textContent('[data-testid=llm-call]')) ?? '', /get_weather[\s\S]*"city": "Lyon"/);
    const ttft = (await page.textContent('[data-testid=llm-ttft]')) ?? '';
    const ms = Number(
      /([\d.]+)\s*ms/.exec(ttft)?.[1] ?? (/([\d.]+)\s*s/.exec(ttft) ? Number(/([\d.]+)/.exec(ttft)![1]) * 1000 : NaN),
    );
    assert.ok(ms >= 200 && ms < 600, `time to first token shown as ${ttft}`);
    const rate = Number(await page.textContent('[data-testid=llm-rate]'));
    assert.ok(rate > 40 && rate < 80, `rate shown as ${rate}`);
    assert.match((await page.textContent('[data-testid=llm-state]')) ?? '', /ended \(tool_calls\)/);
    await shoot(page, 'llm-stream-view.png');
  } finally {
    await ui.close();
  }
});
