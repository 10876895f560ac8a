import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LlmServer {
  port: number;
  /** Requests seen: path, whether streamed, the accept-encoding asked for. */
  seen: { path: string; stream: boolean; acceptEncoding: string | undefined }[];
  close(): Promise<void>;
}

export interface LlmAnswer {
  model: string;
  input: number;
  output: number;
  /** Padding added to the answer's text (a large body). */
  pad?: number;
}

/**
 * A small real LLM API on loopback speaking three dialects, JSON or streamed (SSE) as
 * the request's body asks (`"stream": true`): OpenAI chat completions
 * (`/v1/chat/completions`, the usage in the last chunk when `stream_options.include_usage`),
 * the OpenAI Responses API (`/v1/responses`), Anthropic (`/v1/messages`: `message_start`,
 * `message_delta`) and Gemini (`/v1beta/models/M:generateContent`,
 * `:streamGenerateContent?alt=sse`). `answer` says what it reports for each request.
 */
export async function startLlmServer(answer: (path: string) => LlmAnswer): Promise<LlmServer> {
  const seen: LlmServer['seen'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = (chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString()) : {}) as { stream?: boolean };
      const path = req.url ?? '/';
      const stream = body.stream === true || path.includes(':streamGenerateContent');
      seen.push({ path, stream, acceptEncoding: req.headers['accept-encoding'] });
      reply(req, res, answer(path), stream);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function reply(req: IncomingMessage, res: ServerResponse, a: LlmAnswer, stream: boolean): void {
  const path = req.url ?? '/';
  const text = `hello${'.'.repeat(a.pad ?? 0)}`;
  if (!stream) {
    res.setHeader('content-type', 'application/json');
    return void res.end(JSON.stringify(jsonAnswer(path, a, text)));
  }
  res.setHeader('content-type', 'text/event-stream');
  for (const e of events(path, a, text))
    res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`);
  res.end();
}

function jsonAnswer(path: string, a: LlmAnswer, text: string): unknown {
  if (path.startsWith('/v1/messages')) {
    return { id: 'msg_1', type: 'message', model: a.model, content: [{ type: 'text', text }], usage: { input_tokens: a.input, output_tokens: a.output } };
  }
  if (path.includes(':generateContent')) {
    return {
      candidates: [{ content: { parts: [{ text }] } }],
      usageMetadata: { promptTokenCount: a.input, candidatesTokenCount: a.output, totalTokenCount: a.input + a.output },
      modelVersion: a.model,
    };
  }
  if (path.startsWith('/v1/responses'))
    return { id: 'resp_1', model: a.model, output: [{ content: [{ text }] }], usage: { input_tokens: a.input, output_tokens: a.output } };
  return {
    id: 'chatcmpl-1',
    model: a.model,
    choices: [{ message: { role: 'assistant', content: text } }],
    usage: { prompt_tokens: a.input, completion_tokens: a.output, total_tokens: a.input + a.output },
  };
}

function events(path: string, a: LlmAnswer, text: string): { event?: string; data: unknown }[] {
  if (path.startsWith('/v1/messages')) {
    return [
      { event: 'message_start', data: { type: 'message_start', message: { model: a.model, usage: { input_tokens: a.input, output_tokens: 1 } } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', delta: { type: 'text_delta', text } } },
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: a.output } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ];
  }
  if (path.includes(':streamGenerateContent')) {
    return [
      {
        data: {
          candidates: [{ content: { parts: [{ text }] } }],
          usageMetadata: { promptTokenCount: a.input, totalTokenCount: a.input + 1 },
          modelVersion: a.model,
        },
      },
      {
        data: {
          candidates: [{ content: { parts: [{ text }] } }],
          usageMetadata: { promptTokenCount: a.input, candidatesTokenCount: a.output, totalTokenCount: a.input + a.output },
          modelVersion: a.model,
        },
      },
    ];
  }
  return [
    { data: { id: 'c1', model: a.model, choices: [{ delta: { content: text } }], usage: null } },
    { data: { id: 'c1', model: a.model, choices: [], usage: { prompt_tokens: a.input, completion_tokens: a.output } } },
    { data: '[DONE]' },
  ];
}
