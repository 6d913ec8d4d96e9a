# Sourced by the fuzz scripts: the targets by name.
# pa_parse_targets WHO LIST: LIST is comma-separated names or "all"; sets
# the array target_list, or says which name is unknown and exits 2.
pa_all_targets=default,config,fault,misuse,interleave,trace_parser
# named only, not in "all": contract fuzzes other allocators (fuzz/contract)
pa_named_targets=$pa_all_targets,contract

pa_parse_targets() {
  local who=$1 list=$2 t
  [ "$list" = all ] && list=$pa_all_targets
  IFS=, read -r -a target_list <<<"$list"
  for t in "${target_list[@]}"; do
    case ,$pa_named_targets, in
      *,"$t",*) ;;
      *) echo "$who: unknown target $t" >&2; exit 2 ;;
    esac
  done
}
