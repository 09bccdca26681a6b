import { greet, type Greeting } from "./greet";

interface Env {
  NAME: string;
}

enum Mode {
  Plain,
  Loud,
}

export default {
  fetch(request: unknown, env: Env): string {
    const g: Greeting = greet(env.NAME, Mode.Loud === 1);
    return g.text;
  },
};
