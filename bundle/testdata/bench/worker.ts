// A typical small worker (about 2 KB with router.ts): a router, JSON
// responses, a header transform and an error path.
import { Router, type Handler } from "./router";

interface Env {
  API_ORIGIN: string;
  GREETING?: string;
}

type Json = Record<string, unknown>;

function json(body: Json, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

const hello: Handler<Env> = (_req, env, params) =>
  json({ message: `${env.GREETING ?? "hello"}, ${params.name ?? "world"}` });

const echo: Handler<Env> = async (req) => {
  const body = await req.text();
  return json({ method: req.method, length: body.length, body });
};

const proxy: Handler<Env> = async (req, env) => {
  const url = new URL(req.url);
  const upstream = new URL(url.pathname.replace(/^\/proxy/, ""), env.API_ORIGIN);
  const res = await fetch(upstream.toString(), { method: req.method, headers: req.headers });
  const out = new Response(res.body, res);
  out.headers.set("x-proxied-by", "verge");
  out.headers.delete("server");
  return out;
};

const router = new Router<Env>()
  .get("/hello/:name", hello)
  .get("/hello", hello)
  .post("/echo", echo)
  .all("/proxy/*", proxy);

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return (await router.handle(request, env)) ?? json({ error: "not found" }, 404);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return json({ error: message }, 500, { "cache-control": "no-store" });
    }
  },
};
