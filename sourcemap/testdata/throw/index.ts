import { checkPositive } from "./lib";

interface Input {
  value: number;
}

export function run(input: Input): number {
  return checkPositive(input.value) * 2;
}
