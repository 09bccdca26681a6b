import { AutoRouter, error, json } from "itty-router";

const router = AutoRouter();
const todos = new Map([["1", { id: "1", title: "ship verge" }]]);

router
  .get("/todos", () => [...todos.values()])
  .get("/todos/:id", ({ params }) => todos.get(params.id) ?? error(404, "no such todo"))
  .post("/todos", async (request) => {
    const todo = await request.json();
    if (!todo.title) return error(400, "title required");
    const id = String(todos.size + 1);
    todos.set(id, { id, title: todo.title });
    return json({ id, title: todo.title }, { status: 201 });
  })
  .get("/search", ({ query }) => ({ q: query.q, tags: [].concat(query.tag ?? []) }));

export default router;
