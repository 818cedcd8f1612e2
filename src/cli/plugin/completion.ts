// Shell completion for kubectl-ramp. commander has none built in, so the command tree is read
// from the program itself (every command, alias and flag, the view commands included) and
// written out as a static script: nothing runs at completion time but the shell.
import type { Command } from 'commander';

/** One position in the command tree: what may follow `kubectl-ramp PATH`. */
export interface CompletionEntry {
  /** Space-separated command path; "" for the top level. */
  readonly path: string;
  readonly subcommands: readonly { name: string; description: string }[];
  readonly flags: readonly { flag: string; description: string }[];
}

/** The shells `completion` writes scripts for. */
export const completionShells = ['bash', 'zsh', 'fish'] as const;
/** One of the supported shells. */
export type Shell = (typeof completionShells)[number];

function flagsOf(cmd: Command): { flag: string; description: string }[] {
  return cmd.options
    .filter((o) => !o.hidden)
    .flatMap((o) =>
      [o.long, o.short]
        .filter((f): f is string => typeof f === 'string')
        .map((flag) => ({ flag, description: o.description })),
    );
}

function namesOf(cmd: Command): string[] {
  return [cmd.name(), ...cmd.aliases()];
}

/** Every position of the tree; global (top-level) flags are offered at every level. */
export function completionEntries(program: Command): CompletionEntry[] {
  const global = [...flagsOf(program), { flag: '--help', description: 'show help' }];
  const walk = (cmd: Command, path: string): CompletionEntry[] => {
    const subcommands = cmd.commands.flatMap((c) =>
      namesOf(c).map((name) => ({ name, description: c.description() })),
    );
    const here: CompletionEntry = {
      path,
      subcommands:
        path === '' ? [...subcommands, { name: 'help', description: 'show help' }] : subcommands,
      flags: path === '' ? global : [...flagsOf(cmd), ...global],
    };
    const below = cmd.commands.flatMap((c) =>
      namesOf(c).flatMap((name) => walk(c, path ? `${path} ${name}` : name)),
    );
    return [here, ...below];
  };
  return walk(program, '');
}

/** The completion script for a shell. */
export function completionScript(shell: Shell, program: Command): string {
  const entries = completionEntries(program);
  const command = program.name();
  if (shell === 'fish') return fishScript(command, entries);
  const bash = bashScript(command, entries);
  if (shell === 'bash') return bash;
  return [
    `#compdef ${command}`,
    `# zsh completion for ${command}: the bash script through zsh's bashcompinit.`,
    '# Load it with: source <(kubectl-ramp completion zsh)',
    'autoload -U +X bashcompinit && bashcompinit',
    bash,
  ].join('\n');
}

function functionName(command: string): string {
  return `_${command.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function bashScript(command: string, entries: readonly CompletionEntry[]): string {
  const fn = functionName(command);
  const cases = entries.map((e) => {
    const words = [...e.subcommands.map((s) => s.name), ...e.flags.map((f) => f.flag)];
    return `    "${e.path}") echo "${words.join(' ')}" ;;`;
  });
  return `# bash completion for ${command}
# Load it with: source <(${command} completion bash)
${fn}_words() {
  case "$1" in
${cases.join('\n')}
    *) return 1 ;;
  esac
}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" next word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    next="\${path:+$path }$word"
    ${fn}_words "$next" >/dev/null && path="$next"
  done
  COMPREPLY=($(compgen -W "$(${fn}_words "$path")" -- "$cur"))
}

complete -F ${fn} ${command}
`;
}

function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function fishScript(command: string, entries: readonly CompletionEntry[]): string {
  const fn = `__${command.replace(/[^A-Za-z0-9]/g, '_')}`;
  const paths = entries.filter((e) => e.path !== '').map((e) => fishQuote(e.path));
  const lines = entries.flatMap((e) => {
    const at = `-n '${fn}_at ${fishQuote(e.path).replace(/'/g, '"')}'`;
    return [
      ...e.subcommands.map(
        (s) => `complete -c ${command} -f ${at} -a ${s.name} -d ${fishQuote(s.description)}`,
      ),
      ...e.flags.map((f) => {
        const flag = f.flag.startsWith('--') ? `-l ${f.flag.slice(2)}` : `-s ${f.flag.slice(1)}`;
        return `complete -c ${command} ${at} ${flag} -d ${fishQuote(f.description)}`;
      }),
    ];
  });
  return `# fish completion for ${command}
# Load it with: ${command} completion fish | source
set -g ${fn}_paths ${paths.join(' ')}

function ${fn}_path
    set -l path ''
    for word in (commandline -opc)[2..-1]
        string match -q -- '-*' $word; and continue
        set -l next (string trim -- "$path $word")
        contains -- $next $${fn}_paths; and set path $next
    end
    echo $path
end

function ${fn}_at
    set -l path (${fn}_path)
    test "$path" = "$argv[1]"
end

${lines.join('\n')}
`;
}
