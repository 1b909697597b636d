# bash completion for zonewatch(1); installed as share/bash-completion/completions/zonewatch.
# Self-contained (compgen only, no bash-completion helpers), so that it also works when sourced
# from ~/.bashrc without the bash-completion package. tests/unit/docs/cli_docs_test.py holds its
# option lists to `zonewatch SUBCOMMAND --help`.

_zonewatch() {
  COMPREPLY=()
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  local sub="" at=0 i
  # The subcommand is the first word that is no option (options only follow it).
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -*) ;;
      *) sub=${COMP_WORDS[i]}; at=$i; break ;;
    esac
  done

  local opts files="" values=""
  case $sub in
    "")
      if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "-h --help -V --version" -- "$cur")
      else
        mapfile -t COMPREPLY < <(compgen -W "check run status history events evidence ack config" \
          -- "$cur")
      fi
      return 0
      ;;
    check)
      opts="-h --help -f --file --concurrency --root-hints --trust-anchor --at --json --timeout
            -4 --ipv4-only -6 --ipv6-only -w --warning -c --critical --signature-warning
            --signature-critical --psl --rdap --config"
      files="-f --file --root-hints --trust-anchor --psl --config"
      values="--concurrency --at --timeout -w --warning -c --critical --signature-warning
              --signature-critical"
      ;;
    run) opts="-h --help -c --config --once" ;;
    status) opts="-h --help -c --config --json" ;;
    history) opts="-h --help -c --config --json --limit --since"; values="--limit --since" ;;
    events) opts="-h --help -c --config --since --domain --json"; values="--since --domain" ;;
    evidence) opts="-h --help -c --config --at --json"; values="--at" ;;
    ack) opts="-h --help -c --config --json" ;;
    config)
      local nested=""
      for ((i = at + 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == check ]] && nested=check
      done
      if [[ -z $nested ]]; then
        mapfile -t COMPREPLY < <(compgen -W "check" -- "$cur")
        return 0
      fi
      opts="-h --help -c --config --json"
      ;;
    *) return 0 ;;
  esac
  # -c is --config everywhere but in check, where it is --critical.
  [[ $sub != check ]] && files="-c --config"

  local word
  for word in $values; do
    [[ $prev == "$word" ]] && return 0  # a value of its own: nothing to offer
  done
  for word in $files; do
    if [[ $prev == "$word" ]]; then
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return 0
    fi
  done
  # Domains are typed: only options are offered.
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  fi
  return 0
}
complete -F _zonewatch zonewatch
