export type Greeting = { text: string };

export function greet(name: string, loud: boolean): Greeting {
  const text = `hello ${name}`;
  return { text: loud ? text.toUpperCase() : text };
}
