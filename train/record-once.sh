# Sourced by the k-fold scripts (kfold.sh, kfold-copy-paste.sh): one way to keep a measurement.
# record_once FILE CMD...: CMD's output, shown and kept in FILE, written whole (via FILE.part) or not
# at all, and not measured again once FILE is there (a resumed script skips it).
record_once() {
  local file=$1
  shift
  [ -s "$file" ] && return 0
  "$@" | tee "$file.part"
  mv "$file.part" "$file"
}
