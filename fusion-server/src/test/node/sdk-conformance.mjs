// The official OpenAI and Anthropic npm clients against a fusion serve gateway. Every call goes through the
// SDK's own parser: a response shape it does not accept fails here.
//   node sdk-conformance.mjs <baseUrl> [key] [rateLimitedKey]
// Prints "ok <check>" per check, then "N passed, M failed"; exits 1 on any failure.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const [base, key, limitedKey] = process.argv.slice(2);
if (!base) {
  console.error('usage: node sdk-conformance.mjs <baseUrl> [key] [rateLimitedKey]');
  process.exit(2);
}
const apiKey = key || 'no-key-needed';
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey, maxRetries: 0, timeout: 60_000 });
const anthropic = new Anthropic({ baseURL: base, apiKey, maxRetries: 0, timeout: 60_000 });
const question = [{ role: 'user', content: 'Why is the sky blue?' }];

let passed = 0;
let failed = 0;
function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}
async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAILED ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : e}`);
  }
}
async function expectError(name, status, cls, fn) {
  await check(name, async () => {
    try {
      await fn();
    } catch (e) {
      assert(e instanceof cls, `${name}: expected ${cls.name}, got ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
      assert(e.status === status, `${name}: expected status ${status}, got ${e.status}`);
      return e;
    }
    throw new Error(`${name}: expected an error ${status}`);
  });
}

await check('openai models.list', async () => {
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m.id);
  assert(ids.includes('fusion/default'), `models: ${ids}`);
});

await check('openai chat.completions.create', async () => {
  const r = await openai.chat.completions.create({ model: 'fusion/default', messages: question });
  assert(r.object === 'chat.completion', 'object');
  assert(r.choices[0].message.content.length > 0, 'content');
  assert(r.choices[0].finish_reason === 'stop', 'finish_reason');
  assert(r.usage.total_tokens === r.usage.prompt_tokens + r.usage.completion_tokens && r.usage.total_tokens > 0, 'usage');
  assert(typeof r.usage.cost === 'number' && r.usage.cost > 0, `usage.cost ${r.usage.cost}`);
});

await check('openai chat.completions.create with headers (cost, ask id)', async () => {
  const { data, response } = await openai.chat.completions
    .create({ model: 'fusion/default', messages: question })
    .withResponse();
  assert(Number(response.headers.get('x-fusion-cost-usd')) > 0, 'x-fusion-cost-usd');
  assert(response.headers.get('x-fusion-cost-complete') === 'true', 'x-fusion-cost-complete');
  assert(/^[0-9a-f]{24}$/.test(response.headers.get('x-fusion-ask-id')), 'x-fusion-ask-id');
  assert(Math.abs(Number(response.headers.get('x-fusion-cost-usd')) - data.usage.cost) < 1e-12, 'header = usage.cost');
});

await check('openai chat.completions.create stream with include_usage', async () => {
  const stream = await openai.chat.completions.create({
    model: 'fusion/default', messages: question, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  let role = null;
  for await (const chunk of stream) {
    if (chunk.choices.length > 0) {
      role = role || chunk.choices[0].delta.role;
      text += chunk.choices[0].delta.content || '';
      finish = chunk.choices[0].finish_reason || finish;
    } else {
      usage = chunk.usage;
    }
  }
  assert(role === 'assistant', 'role on the first chunk');
  assert(text.length > 0, 'text');
  assert(finish === 'stop', `finish ${finish}`);
  assert(usage && usage.total_tokens > 0 && usage.cost > 0, 'usage chunk');
});

await check('openai chat.completions.stream().finalChatCompletion()', async () => {
  const runner = openai.chat.completions.stream({ model: 'fusion/default', messages: question, stream_options: { include_usage: true } });
  let deltas = '';
  runner.on('content', (d) => { deltas += d; });
  const final = await runner.finalChatCompletion();
  assert(final.choices[0].message.content === deltas && deltas.length > 0, 'final content = deltas');
  assert(final.choices[0].message.role === 'assistant', 'role');
  assert(final.choices[0].finish_reason === 'stop', 'finish_reason');
});

await check('openai structured output (json_schema)', async () => {
  const r = await openai.chat.completions.create({
    model: 'fusion/default',
    messages: [{ role: 'user', content: 'Is the sky blue? Answer and rate your confidence.' }],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'verdict', strict: true,
        schema: {
          type: 'object', additionalProperties: false, required: ['answer', 'confidence'],
          properties: { answer: { type: 'string' }, confidence: { type: 'number' } },
        },
      },
    },
  });
  const v = JSON.parse(r.choices[0].message.content);
  assert(typeof v.answer === 'string' && typeof v.confidence === 'number', `structured ${r.choices[0].message.content}`);
});

await check('openai responses.create', async () => {
  const r = await openai.responses.create({ model: 'fusion/default', input: 'Why is the sky blue?' });
  assert(r.status === 'completed', 'status');
  assert(r.output_text.length > 0, 'output_text');
  assert(r.usage.total_tokens > 0, 'usage');
});

await check('openai responses.stream().finalResponse()', async () => {
  const stream = openai.responses.stream({ model: 'fusion/default', input: 'Why is the sky blue?' });
  let deltas = '';
  const types = [];
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === 'response.output_text.delta') deltas += e.delta;
  }
  const final = await stream.finalResponse();
  assert(types[0] === 'response.created' && types[types.length - 1] === 'response.completed', `events ${types[0]}..${types[types.length - 1]}`);
  assert(final.output_text === deltas && deltas.length > 0, 'final output_text = deltas');
});

await check('anthropic messages.create', async () => {
  const m = await anthropic.messages.create({ model: 'fusion/default', max_tokens: 1024, system: 'Be brief.', messages: question });
  assert(m.type === 'message' && m.role === 'assistant', 'message');
  assert(m.content[0].type === 'text' && m.content[0].text.length > 0, 'text');
  assert(m.stop_reason === 'end_turn', 'stop_reason');
  assert(m.usage.output_tokens > 0 && m.usage.input_tokens >= 0, 'usage');
});

await check('anthropic messages.stream().finalMessage()', async () => {
  const stream = anthropic.messages.stream({ model: 'fusion/default', max_tokens: 1024, messages: question });
  let deltas = '';
  stream.on('text', (t) => { deltas += t; });
  const m = await stream.finalMessage();
  assert(m.content[0].text === deltas && deltas.length > 0, 'final text = deltas');
  assert(m.usage.output_tokens > 0, `usage.output_tokens ${m.usage.output_tokens}`);
  assert(m.stop_reason === 'end_turn', 'stop_reason');
});

// ---- tools: a round trip per SDK on the sandbox's calculator persona (every member proposes the same call)
const calcSchema = {
  type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'], additionalProperties: false,
};
const toolQuestion = 'What is 17 * 23?';
function calculator(args) {
  const m = /^\s*(\d+)\s*\*\s*(\d+)\s*$/.exec(args.expression);
  return m ? String(Number(m[1]) * Number(m[2])) : 'NaN';
}
const openaiTools = [{ type: 'function', function: { name: 'calculator', description: 'Evaluates arithmetic', parameters: calcSchema } }];

await check('openai tools: chat.completions.create tool_calls, then a role tool message', async () => {
  const messages = [{ role: 'user', content: toolQuestion }];
  const r = await openai.chat.completions.create({ model: 'fusion/default', messages, tools: openaiTools, tool_choice: 'auto' });
  assert(r.choices[0].finish_reason === 'tool_calls', `finish_reason ${r.choices[0].finish_reason}`);
  const calls = r.choices[0].message.tool_calls;
  assert(calls.length === 1 && calls[0].type === 'function' && calls[0].function.name === 'calculator', 'one calculator call');
  const result = calculator(JSON.parse(calls[0].function.arguments));
  assert(result === '391', `the call's arguments ${calls[0].function.arguments}`);
  messages.push(r.choices[0].message);
  messages.push({ role: 'tool', tool_call_id: calls[0].id, content: result });
  const r2 = await openai.chat.completions.create({ model: 'fusion/default', messages, tools: openaiTools });
  assert(r2.choices[0].finish_reason === 'stop', `second finish_reason ${r2.choices[0].finish_reason}`);
  assert(r2.choices[0].message.content.includes('391'), `final answer uses the result: ${r2.choices[0].message.content}`);
});

await check('openai tools: chat.completions.stream().finalChatCompletion() assembles the streamed call', async () => {
  const runner = openai.chat.completions.stream({
    model: 'fusion/default', messages: [{ role: 'user', content: toolQuestion }], tools: openaiTools,
  });
  let doneArgs = null;
  runner.on('tool_calls.function.arguments.done', (e) => { doneArgs = e.arguments; });
  const final = await runner.finalChatCompletion();
  const calls = final.choices[0].message.tool_calls;
  assert(final.choices[0].finish_reason === 'tool_calls', `finish_reason ${final.choices[0].finish_reason}`);
  assert(calls.length === 1 && calls[0].function.name === 'calculator', 'calculator call');
  assert(JSON.parse(calls[0].function.arguments).expression === '17*23', `arguments ${calls[0].function.arguments}`);
  assert(doneArgs === calls[0].function.arguments, 'arguments.done event');
});

await check('openai tools: responses.create function_call, then function_call_output', async () => {
  const tools = [{ type: 'function', name: 'calculator', description: 'Evaluates arithmetic', parameters: calcSchema, strict: true }];
  const r = await openai.responses.create({ model: 'fusion/default', input: toolQuestion, tools });
  const call = r.output.find((o) => o.type === 'function_call');
  assert(call && call.name === 'calculator', 'function_call item');
  const result = calculator(JSON.parse(call.arguments));
  const r2 = await openai.responses.create({
    model: 'fusion/default', tools,
    input: [{ role: 'user', content: toolQuestion }, call, { type: 'function_call_output', call_id: call.call_id, output: result }],
  });
  assert(r2.output_text.includes('391'), `final answer uses the result: ${r2.output_text}`);
});

await check('openai tools: responses.stream() function call arguments', async () => {
  const tools = [{ type: 'function', name: 'calculator', description: 'Evaluates arithmetic', parameters: calcSchema, strict: true }];
  const stream = openai.responses.stream({ model: 'fusion/default', input: toolQuestion, tools });
  let args = '';
  for await (const e of stream) {
    if (e.type === 'response.function_call_arguments.delta') args += e.delta;
  }
  const final = await stream.finalResponse();
  const call = final.output.find((o) => o.type === 'function_call');
  assert(call && call.arguments === args && JSON.parse(args).expression === '17*23', `arguments ${args}`);
});

const anthropicTools = [{ name: 'calculator', description: 'Evaluates arithmetic', input_schema: calcSchema }];

await check('anthropic tools: messages.create tool_use, then a tool_result', async () => {
  const messages = [{ role: 'user', content: toolQuestion }];
  const m = await anthropic.messages.create({
    model: 'fusion/default', max_tokens: 1024, messages, tools: anthropicTools, tool_choice: { type: 'auto' },
  });
  assert(m.stop_reason === 'tool_use', `stop_reason ${m.stop_reason}`);
  const use = m.content.find((b) => b.type === 'tool_use');
  assert(use && use.name === 'calculator' && use.input.expression === '17*23', `tool_use ${JSON.stringify(use)}`);
  messages.push({ role: 'assistant', content: m.content });
  messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: calculator(use.input) }] });
  const m2 = await anthropic.messages.create({ model: 'fusion/default', max_tokens: 1024, messages, tools: anthropicTools });
  assert(m2.stop_reason === 'end_turn', `second stop_reason ${m2.stop_reason}`);
  assert(m2.content[0].type === 'text' && m2.content[0].text.includes('391'), `final answer uses the result: ${m2.content[0].text}`);
});

await check('anthropic tools: messages.stream().finalMessage() assembles tool_use input', async () => {
  const stream = anthropic.messages.stream({
    model: 'fusion/default', max_tokens: 1024, messages: [{ role: 'user', content: toolQuestion }], tools: anthropicTools,
  });
  let json = '';
  stream.on('inputJson', (partial) => { json += partial; });
  const m = await stream.finalMessage();
  const use = m.content.find((b) => b.type === 'tool_use');
  assert(m.stop_reason === 'tool_use', `stop_reason ${m.stop_reason}`);
  assert(use && use.input.expression === '17*23', `input ${JSON.stringify(use && use.input)}`);
  assert(JSON.parse(json).expression === '17*23', `streamed input json ${json}`);
});

// ---- one call per step: the sandbox members all propose two calls (a calculation and a lookup) for this question
const twoQuestion = 'What is 17 * 23, and who painted the Mona Lisa?';
const lookupSchema = { type: 'object', properties: { subject: { type: 'string' } }, required: ['subject'] };
const twoOpenai = [...openaiTools, { type: 'function', function: { name: 'lookup', description: 'Looks a subject up', parameters: lookupSchema } }];

await check('openai tools: parallel_tool_calls false gets one call (two without it), create and stream', async () => {
  const messages = [{ role: 'user', content: twoQuestion }];
  const both = await openai.chat.completions.create({ model: 'fusion/default', messages, tools: twoOpenai });
  assert(both.choices[0].message.tool_calls.length === 2, `two calls without the flag: ${both.choices[0].message.tool_calls.length}`);
  const one = await openai.chat.completions.create({ model: 'fusion/default', messages, tools: twoOpenai, parallel_tool_calls: false });
  const calls = one.choices[0].message.tool_calls;
  assert(calls.length === 1 && calls[0].function.name === both.choices[0].message.tool_calls[0].function.name, `one call: ${JSON.stringify(calls)}`);
  const final = await openai.chat.completions.stream({
    model: 'fusion/default', messages, tools: twoOpenai, parallel_tool_calls: false,
  }).finalChatCompletion();
  assert(final.choices[0].message.tool_calls.length === 1, `one streamed call: ${JSON.stringify(final.choices[0].message.tool_calls)}`);
  assert(final.choices[0].finish_reason === 'tool_calls', `finish_reason ${final.choices[0].finish_reason}`);
  const r = await openai.responses.create({
    model: 'fusion/default', input: twoQuestion, parallel_tool_calls: false,
    tools: [{ type: 'function', name: 'calculator', parameters: calcSchema, strict: false },
      { type: 'function', name: 'lookup', parameters: lookupSchema, strict: false }],
  });
  assert(r.output.filter((o) => o.type === 'function_call').length === 1, `one function_call item: ${JSON.stringify(r.output)}`);
});

await check('anthropic tools: disable_parallel_tool_use gets one tool_use block, create and stream', async () => {
  const tools = [...anthropicTools, { name: 'lookup', description: 'Looks a subject up', input_schema: lookupSchema }];
  const messages = [{ role: 'user', content: twoQuestion }];
  const both = await anthropic.messages.create({ model: 'fusion/default', max_tokens: 1024, messages, tools });
  assert(both.content.filter((b) => b.type === 'tool_use').length === 2, 'two tool_use blocks without the flag');
  const one = await anthropic.messages.create({
    model: 'fusion/default', max_tokens: 1024, messages, tools, tool_choice: { type: 'auto', disable_parallel_tool_use: true },
  });
  assert(one.content.filter((b) => b.type === 'tool_use').length === 1, `one tool_use: ${JSON.stringify(one.content)}`);
  const m = await anthropic.messages.stream({
    model: 'fusion/default', max_tokens: 1024, messages, tools, tool_choice: { type: 'any', disable_parallel_tool_use: true },
  }).finalMessage();
  assert(m.content.filter((b) => b.type === 'tool_use').length === 1 && m.stop_reason === 'tool_use', `one streamed tool_use: ${JSON.stringify(m.content)}`);
});

await check('tools: streamed follow-ups with tools still offered (openai stream, anthropic stream)', async () => {
  const messages = [{ role: 'user', content: toolQuestion }];
  const r = await openai.chat.completions.create({ model: 'fusion/default', messages, tools: openaiTools });
  const call = r.choices[0].message.tool_calls[0];
  messages.push(r.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '391' });
  const runner = openai.chat.completions.stream({ model: 'fusion/default', messages, tools: openaiTools });
  let deltas = '';
  runner.on('content', (d) => { deltas += d; });
  const final = await runner.finalChatCompletion();
  assert(final.choices[0].finish_reason === 'stop' && deltas.includes('391'), `openai streamed follow-up: ${deltas}`);

  const am = [{ role: 'user', content: toolQuestion }];
  const m = await anthropic.messages.create({ model: 'fusion/default', max_tokens: 512, messages: am, tools: anthropicTools });
  const use = m.content.find((b) => b.type === 'tool_use');
  am.push({ role: 'assistant', content: m.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '391' }] });
  const stream = anthropic.messages.stream({ model: 'fusion/default', max_tokens: 512, messages: am, tools: anthropicTools });
  let text = '';
  stream.on('text', (t) => { text += t; });
  const fm = await stream.finalMessage();
  assert(fm.stop_reason === 'end_turn' && fm.content.length === 1 && fm.content[0].type === 'text', `content ${JSON.stringify(fm.content)}`);
  assert(fm.content[0].text === text && text.includes('391'), `anthropic streamed follow-up: ${text}`);
});

// ---- errors: each status, through each SDK's own error classes
await expectError('openai 400 malformed', 400, OpenAI.BadRequestError,
  () => openai.chat.completions.create({ model: 'fusion/default', messages: [] }));
await expectError('openai 404 unknown model', 404, OpenAI.NotFoundError,
  () => openai.chat.completions.create({ model: 'fusion/nope', messages: question }));
await expectError('anthropic 404 unknown model', 404, Anthropic.NotFoundError,
  () => anthropic.messages.create({ model: 'fusion/nope', max_tokens: 16, messages: question }));
await expectError('anthropic 400 malformed', 400, Anthropic.BadRequestError,
  () => anthropic.messages.create({ model: 'fusion/default', messages: question }));
await expectError('openai 413 too large', 413, OpenAI.APIError,
  () => openai.chat.completions.create({ model: 'fusion/default', messages: [{ role: 'user', content: 'x'.repeat(5 << 20) }] }));
if (key) {
  const wrong = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-wrong-key', maxRetries: 0 });
  await expectError('openai 401 wrong key', 401, OpenAI.AuthenticationError,
    () => wrong.chat.completions.create({ model: 'fusion/default', messages: question }));
  const wrongA = new Anthropic({ baseURL: base, apiKey: 'sk-wrong-key', maxRetries: 0 });
  await expectError('anthropic 401 wrong key', 401, Anthropic.AuthenticationError,
    () => wrongA.messages.create({ model: 'fusion/default', max_tokens: 16, messages: question }));
}
if (limitedKey) {
  const limited = new OpenAI({ baseURL: `${base}/v1`, apiKey: limitedKey, maxRetries: 0 });
  await limited.chat.completions.create({ model: 'fusion/default', messages: question }).catch(() => {});
  await check('openai 429 with retry-after', async () => {
    try {
      await limited.chat.completions.create({ model: 'fusion/default', messages: question });
    } catch (e) {
      assert(e instanceof OpenAI.RateLimitError && e.status === 429, `expected 429, got ${e.status}`);
      assert(Number(e.headers.get('retry-after')) >= 1, 'retry-after');
      return;
    }
    throw new Error('expected 429');
  });
  const limitedA = new Anthropic({ baseURL: base, apiKey: limitedKey, maxRetries: 0 });
  await expectError('anthropic 429', 429, Anthropic.RateLimitError,
    () => limitedA.messages.create({ model: 'fusion/default', max_tokens: 16, messages: question }));
}
const models = [];
for await (const m of openai.models.list()) models.push(m.id);
if (models.includes('fusion/broken')) {
  await expectError('openai 502 panel failed', 502, OpenAI.InternalServerError,
    () => openai.chat.completions.create({ model: 'fusion/broken', messages: question }));
  await expectError('anthropic 502 panel failed', 502, Anthropic.InternalServerError,
    () => anthropic.messages.create({ model: 'fusion/broken', max_tokens: 16, messages: question }));
  await check('openai stream: in-band error on a failed panel', async () => {
    const stream = await openai.chat.completions.create({ model: 'fusion/broken', messages: question, stream: true });
    try {
      for await (const _ of stream) { /* role chunk, then the error */ }
    } catch (e) {
      assert(e instanceof OpenAI.APIError, `expected APIError, got ${e && e.constructor.name}`);
      return;
    }
    throw new Error('expected the stream to fail');
  });
}
if (models.includes('fusion/slow')) {
  await expectError('openai 504 panel timed out', 504, OpenAI.InternalServerError,
    () => openai.chat.completions.create({ model: 'fusion/slow', messages: question }));
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
