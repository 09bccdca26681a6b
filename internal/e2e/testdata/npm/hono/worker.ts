import { Hono } from "hono";
import { cors } from "hono/cors";

type Bindings = { GREETING: string };
const app = new Hono<{ Bindings: Bindings }>();

// middleware: timing header and CORS
app.use("*", async (c, next) => {
  const start = Date.now();
  await next();
  c.header("x-response-time", String(Date.now() - start));
});
app.use("/api/*", cors());

app.get("/", (c) => c.text(`${c.env.GREETING}, Hono!`));
app.get("/users/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") ?? null }));
app.post("/echo", async (c) => {
  const body = await c.req.json<{ name: string }>();
  return c.json({ hello: body.name }, 201);
});
app.get("/api/country", (c) => c.json({ country: (c.req.raw as any).cf?.country ?? null }));
app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
app.onError((err, c) => c.json({ error: err.message }, 500));
app.get("/boom", () => { throw new Error("kaboom"); });

export default app;
