/**
 * Signatures of the built-in methods (fact_*_methods.md) as wscript text.
 *
 * Each table maps a method name to a bodiless `fn` declaration parsed with the
 * language's own parser; receiver type parameters are `T` (List, Option,
 * Result ok, weak), `K`/`V` (Map) and `E` (Result error). An optional bound
 * (`Eq`, `Ord`, `num`, `str`) names what the receiver's element type must
 * support. The runtime implements each as `<recv>_<name>` in runtime.ts.
 */

export type BuiltinTable = Record<string, { sig: string; bound?: "Eq" | "Ord" | "num" }>;

const s = (sig: string, bound?: "Eq" | "Ord" | "num") => ({ sig, bound });

export const LIST_METHODS: BuiltinTable = {
  len: s("fn len() -> int"),
  is_empty: s("fn is_empty() -> bool"),
  clear: s("fn clear()"),
  push: s("fn push(x: T)"),
  pop: s("fn pop() -> Option[T]"),
  insert: s("fn insert(index: int, x: T)"),
  remove: s("fn remove(index: int) -> T"),
  get: s("fn get(index: int) -> Option[T]"),
  set: s("fn set(index: int, x: T)"),
  first: s("fn first() -> Option[T]"),
  last: s("fn last() -> Option[T]"),
  contains: s("fn contains(x: T) -> bool", "Eq"),
  index_of: s("fn index_of(x: T) -> Option[int]", "Eq"),
  any: s("fn any(f: fn(T) -> bool) -> bool"),
  all: s("fn all(f: fn(T) -> bool) -> bool"),
  count: s("fn count(f: fn(T) -> bool) -> int"),
  find: s("fn find(f: fn(T) -> bool) -> Option[T]"),
  position: s("fn position(f: fn(T) -> bool) -> Option[int]"),
  reverse: s("fn reverse()"),
  sort: s("fn sort()", "Ord"),
  sort_by: s("fn sort_by(f: fn(T, T) -> int)"),
  map: s("fn map[U](f: fn(T) -> U) -> List[U]"),
  filter: s("fn filter(f: fn(T) -> bool) -> List[T]"),
  fold: s("fn fold[A](init: A, f: fn(A, T) -> A) -> A"),
  join: s("fn join(sep: string) -> string"),
  slice: s("fn slice(start: int, end: int) -> List[T]"),
  concat: s("fn concat(other: List[T]) -> List[T]"),
  map_indexed: s("fn map_indexed[U](f: fn(int, T) -> U) -> List[U]"),
  zip_with: s("fn zip_with[B, U](other: List[B], f: fn(T, B) -> U) -> List[U]"),
  sum: s("fn sum() -> T", "num"),
  min: s("fn min() -> Option[T]", "Ord"),
  max: s("fn max() -> Option[T]", "Ord"),
  clone: s("fn clone() -> List[T]"),
  each: s("fn each(f: fn(T))"),
};

export const MAP_METHODS: BuiltinTable = {
  len: s("fn len() -> int"),
  is_empty: s("fn is_empty() -> bool"),
  clear: s("fn clear()"),
  insert: s("fn insert(key: K, value: V)"),
  remove: s("fn remove(key: K) -> Option[V]"),
  get: s("fn get(key: K) -> Option[V]"),
  contains_key: s("fn contains_key(key: K) -> bool"),
  keys: s("fn keys() -> List[K]"),
  values: s("fn values() -> List[V]"),
  each: s("fn each(f: fn(K, V))"),
  map: s("fn map[U](f: fn(K, V) -> U) -> List[U]"),
  filter: s("fn filter(f: fn(K, V) -> bool) -> Map[K, V]"),
  clone: s("fn clone() -> Map[K, V]"),
};

export const STRING_METHODS: BuiltinTable = {
  len: s("fn len() -> int"),
  bytes_len: s("fn bytes_len() -> int"),
  is_empty: s("fn is_empty() -> bool"),
  split: s("fn split(sep: string) -> List[string]"),
  join: s("fn join(parts: List[string]) -> string"),
  trim: s("fn trim() -> string"),
  trim_start: s("fn trim_start() -> string"),
  trim_end: s("fn trim_end() -> string"),
  to_upper: s("fn to_upper() -> string"),
  to_lower: s("fn to_lower() -> string"),
  starts_with: s("fn starts_with(prefix: string) -> bool"),
  ends_with: s("fn ends_with(suffix: string) -> bool"),
  contains: s("fn contains(needle: string) -> bool"),
  find: s("fn find(needle: string) -> Option[int]"),
  replace: s("fn replace(from: string, to: string) -> string"),
  repeat: s("fn repeat(n: int) -> string"),
  pad_left: s("fn pad_left(width: int, fill: char) -> string"),
  pad_right: s("fn pad_right(width: int, fill: char) -> string"),
  chars: s("fn chars() -> List[char]"),
  slice: s("fn slice(start: int, end: int) -> string"),
  parse_int: s("fn parse_int() -> Option[int]"),
  parse_float: s("fn parse_float() -> Option[float]"),
  lines: s("fn lines() -> List[string]"),
  clone: s("fn clone() -> string"),
};

export const CHAR_METHODS: BuiltinTable = {
  is_digit: s("fn is_digit() -> bool"),
  is_alphabetic: s("fn is_alphabetic() -> bool"),
  is_alphanumeric: s("fn is_alphanumeric() -> bool"),
  is_whitespace: s("fn is_whitespace() -> bool"),
  is_uppercase: s("fn is_uppercase() -> bool"),
  is_lowercase: s("fn is_lowercase() -> bool"),
  to_upper: s("fn to_upper() -> char"),
  to_lower: s("fn to_lower() -> char"),
};

export const OPTION_METHODS: BuiltinTable = {
  is_some: s("fn is_some() -> bool"),
  is_none: s("fn is_none() -> bool"),
  unwrap: s("fn unwrap() -> T"),
  unwrap_or: s("fn unwrap_or(default: T) -> T"),
  expect: s("fn expect(msg: string) -> T"),
  unwrap_or_else: s("fn unwrap_or_else(f: fn() -> T) -> T"),
  map: s("fn map[U](f: fn(T) -> U) -> Option[U]"),
  and_then: s("fn and_then[U](f: fn(T) -> Option[U]) -> Option[U]"),
  ok_or: s("fn ok_or[E2](err: E2) -> Result[T, E2]"),
  or: s("fn or(other: Option[T]) -> Option[T]"),
  filter: s("fn filter(f: fn(T) -> bool) -> Option[T]"),
  clone: s("fn clone() -> Option[T]"),
};

export const RESULT_METHODS: BuiltinTable = {
  is_ok: s("fn is_ok() -> bool"),
  is_err: s("fn is_err() -> bool"),
  unwrap: s("fn unwrap() -> T"),
  unwrap_or: s("fn unwrap_or(default: T) -> T"),
  unwrap_err: s("fn unwrap_err() -> E"),
  expect: s("fn expect(msg: string) -> T"),
  unwrap_or_else: s("fn unwrap_or_else(f: fn(E) -> T) -> T"),
  map: s("fn map[U](f: fn(T) -> U) -> Result[U, E]"),
  map_err: s("fn map_err[F](f: fn(E) -> F) -> Result[T, F]"),
  and_then: s("fn and_then[U](f: fn(T) -> Result[U, E]) -> Result[U, E]"),
  ok: s("fn ok() -> Option[T]"),
  err: s("fn err() -> Option[E]"),
  clone: s("fn clone() -> Result[T, E]"),
};

export const WEAK_METHODS: BuiltinTable = { upgrade: s("fn upgrade() -> Option[T]") };

export const VALUE_METHODS: BuiltinTable = {
  get: s("fn get(key: string) -> Option[Value]"),
  at: s("fn at(index: int) -> Option[Value]"),
  keys: s("fn keys() -> List[string]"),
  len: s("fn len() -> int"),
  is_null: s("fn is_null() -> bool"),
  as_bool: s("fn as_bool() -> Option[bool]"),
  as_int: s("fn as_int() -> Option[int]"),
  as_float: s("fn as_float() -> Option[float]"),
  as_string: s("fn as_string() -> Option[string]"),
  as_list: s("fn as_list() -> Option[List[Value]]"),
  as_map: s("fn as_map() -> Option[Map[string, Value]]"),
  clone: s("fn clone() -> Value"),
};

/** The built-in enums, declared in wscript itself. `Value` is the shared dynamic type (fact_value_methods.md). */
export const BUILTIN_ENUMS = `
enum Value { Null, Bool(bool), Int(int), Float(float), String(string), List(List[Value]), Map(Map[string, Value]) }
`;

/** Prelude function names (fact_prelude_functions.md). */
export const PRELUDE = new Set(["print", "println", "str", "fmt", "same", "weak", "int", "float"]);
