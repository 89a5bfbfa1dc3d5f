"""Redis storage: studies in a Redis database that processes on many machines share.

Selected by ``storage="redis://[:password@]host:port/db"``; needs the ``redis`` package
(``pip install 'parzen[redis]'``). Redis keeps data in memory: a study survives a server restart
only with persistence turned on (``appendonly yes``), and only with ``maxmemory-policy noeviction``
is no key ever evicted. The scripts address keys they compute, so a Redis Cluster is not supported.

Design:

* Every write is one Lua script, which Redis runs atomically: a trial is created, changed or
  finished whole or not at all, and the checks (does the study exist, is the trial still open)
  happen in the same step as the write.
* A study's trial ids sit in a list in the order of their numbers, so ``RPUSH`` hands out dense,
  unique numbers to all workers, and a trial's hash is written in the script that numbers it.
* Reads of whole trials run in one MULTI/EXEC pipeline, a consistent snapshot. Finished trials
  never change, so each storage object caches them; ``get_all_trials`` reads only the trials it
  has not seen and those that were unfinished last time, so its cost does not grow with the study.
* Heartbeats are scored in a sorted set per study by the server's ``TIME``, so workers whose own
  clocks disagree agree on which trials are stale, and finding them costs one range query.
* Keys live under the ``parzen:`` prefix; the format version in ``parzen:format`` is checked on
  open and a database written by a newer format is refused without being modified. Nothing is
  written until the first ``create_study``.

Key layout (``s:ID`` a study, ``t:ID`` a trial): ``format``, ``next_study_id``, ``next_trial_id``,
``study_names`` (name -> id); ``s:ID`` (name, directions) with ``:trials`` (list of trial ids by
number), ``:waiting`` (FIFO of WAITING ids), ``:claims`` (set), ``:beats`` (sorted set of heartbeats),
``:counts`` (trials per state), ``:wv`` (raised with every change to a WAITING trial, see
:class:`parzen.storages._cache.StudyCache`), ``:uattr``/``:sattr`` (JSON attributes); ``t:ID`` (study, number, state,
start, complete, values) with ``:params`` (stored value), ``:dists`` (distribution JSON), ``:iv``
(intermediate values by step), ``:uattr``/``:sattr``.
"""

from __future__ import annotations

import datetime
import json
import math
import numbers
import threading
import uuid
from typing import Any, Container, Mapping, Sequence

from parzen.exceptions import (
    DuplicatedStudyError,
    SchemaVersionError,
    StudyNotFoundError,
    TrialFinishedError,
)
from parzen.space import Distribution, Int, distribution_to_dict
from parzen.storages._base import BaseStorage, StudySummary, TrialTemplate
from parzen.storages._cache import StudyCache, parse_distribution
from parzen.storages._retry import (
    DEFAULT_RETRY_TIMEOUT_S,
    check_retry_timeout,
    hide_password,
    retried,
    retry_transient,
)
from parzen.trial import FAIL_REASON_ATTR, FrozenTrial, TrialState

FORMAT_VERSION = "1"
"""Version of the key layout above; bump it whenever the layout changes."""

_PREFIX = "parzen:"
_LOAD_CHUNK = 1000  # trials read per MULTI/EXEC
# How much longer than retry_timeout a request key outlives its request, in seconds.
_REQUEST_KEY_MARGIN_S = 60
_RUNNING, _WAITING = int(TrialState.RUNNING), int(TrialState.WAITING)
# Marks a stored integer parameter kept as exact decimal text (a double holds integers exactly only to 2**53).
_EXACT = "i:"

# ---------------------------------------------------------------------------------------------
# Lua scripts (ARGV[1] is the key prefix). Errors are replies "PARZEN_<what> ...", read by _raise.
# ---------------------------------------------------------------------------------------------
_CHECK_OPEN = """
local function check_open(t)
  local row = redis.call('HMGET', t, 'state', 'number', 'study')
  if not row[1] then return 'PARZEN_MISSING_TRIAL' end
  local st = tonumber(row[1])
  if st >= 1 and st <= 3 then return 'PARZEN_FINISHED ' .. st .. ' ' .. row[2] end
  return nil, row[1], row[3]
end
local function server_now()
  local now = redis.call('TIME')
  return tonumber(now[1]) + tonumber(now[2]) / 1000000
end
"""

_CREATE_STUDY = """
local p = ARGV[1]
local format = redis.call('GET', p .. 'format')
if format and format ~= ARGV[4] then return {err = 'PARZEN_FORMAT ' .. format} end
if redis.call('HEXISTS', p .. 'study_names', ARGV[2]) == 1 then return {err = 'PARZEN_DUPLICATE_STUDY'} end
local sid = redis.call('INCR', p .. 'next_study_id')
redis.call('HSET', p .. 'study_names', ARGV[2], sid)
redis.call('HSET', p .. 's:' .. sid, 'name', ARGV[2], 'directions', ARGV[3])
redis.call('SET', p .. 'format', ARGV[4])
return sid
"""

_DELETE_STUDY = """
local p = ARGV[1]
local s = p .. 's:' .. ARGV[2]
local name = redis.call('HGET', s, 'name')
if not name then return {err = 'PARZEN_MISSING_STUDY'} end
for _, tid in ipairs(redis.call('LRANGE', s .. ':trials', 0, -1)) do
  local t = p .. 't:' .. tid
  redis.call('DEL', t, t .. ':params', t .. ':dists', t .. ':iv', t .. ':uattr', t .. ':sattr')
end
redis.call('DEL', s, s .. ':trials', s .. ':waiting', s .. ':claims', s .. ':beats', s .. ':counts',
           s .. ':uattr', s .. ':sattr', s .. ':wv')
redis.call('HDEL', p .. 'study_names', name)
return 1
"""

_SET_STUDY_ATTR = """
local s = ARGV[1] .. 's:' .. ARGV[2]
if redis.call('EXISTS', s) == 0 then return {err = 'PARZEN_MISSING_STUDY'} end
redis.call('HSET', s .. ':' .. ARGV[3], ARGV[4], ARGV[5])
return 1
"""

_CLAIM = """
local s = ARGV[1] .. 's:' .. ARGV[2]
if redis.call('EXISTS', s) == 0 then return {err = 'PARZEN_MISSING_STUDY'} end
return redis.call('SADD', s .. ':claims', ARGV[3])
"""

_CREATE_TRIAL = _CHECK_OPEN + """
local p, sid, state = ARGV[1], ARGV[2], ARGV[3]
local s = p .. 's:' .. sid
if redis.call('EXISTS', s) == 0 then return {err = 'PARZEN_MISSING_STUDY'} end
local tid = redis.call('INCR', p .. 'next_trial_id')
local number = redis.call('RPUSH', s .. ':trials', tid) - 1
local t = p .. 't:' .. tid
redis.call('HSET', t, 'study', sid, 'number', number, 'state', state)
if ARGV[4] ~= '' then redis.call('HSET', t, 'start', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('ZADD', s .. ':beats', server_now(), tid) end
local i = 6
for _ = 1, tonumber(ARGV[i]) do
  redis.call('HSET', t .. ':params', ARGV[i + 1], ARGV[i + 2])
  redis.call('HSET', t .. ':dists', ARGV[i + 1], ARGV[i + 3])
  i = i + 3
end
i = i + 1
for _, suffix in ipairs({':uattr', ':sattr'}) do
  local n = tonumber(ARGV[i])
  for _ = 1, n do
    redis.call('HSET', t .. suffix, ARGV[i + 1], ARGV[i + 2])
    i = i + 2
  end
  i = i + 1
end
if tonumber(state) == 4 then redis.call('RPUSH', s .. ':waiting', tid) end
redis.call('HINCRBY', s .. ':counts', state, 1)
return {tid, number}
"""

_POP_WAITING = _CHECK_OPEN + """
local p = ARGV[1]
local s = p .. 's:' .. ARGV[2]
if redis.call('EXISTS', s) == 0 then return {err = 'PARZEN_MISSING_STUDY'} end
while true do
  local tid = redis.call('LPOP', s .. ':waiting')
  if not tid then return false end
  local t = p .. 't:' .. tid
  if redis.call('HGET', t, 'state') == '4' then
    redis.call('HSET', t, 'state', 0, 'start', ARGV[3])
    redis.call('HINCRBY', s .. ':counts', '4', -1)
    redis.call('HINCRBY', s .. ':counts', '0', 1)
    redis.call('INCR', s .. ':wv')
    if ARGV[4] ~= '' then redis.call('ZADD', s .. ':beats', server_now(), tid) end
    return tonumber(tid)
  end
end
"""

_SET_TRIAL_FIELDS = _CHECK_OPEN + """
local t = ARGV[1] .. 't:' .. ARGV[2]
local bad, state, sid = check_open(t)
if bad then return {err = bad} end
if state == '4' then redis.call('INCR', ARGV[1] .. 's:' .. sid .. ':wv') end
local kind, i = ARGV[3], 5
for _ = 1, tonumber(ARGV[4]) do
  if kind == 'params' then
    redis.call('HSET', t .. ':params', ARGV[i], ARGV[i + 1])
    redis.call('HSET', t .. ':dists', ARGV[i], ARGV[i + 2])
    i = i + 3
  else
    redis.call('HSET', t .. ':' .. kind, ARGV[i], ARGV[i + 1])
    i = i + 2
  end
end
return 1
"""

_FINISH = _CHECK_OPEN + """
local p, tid = ARGV[1], ARGV[2]
local t = p .. 't:' .. tid
local bad, old, sid = check_open(t)
if bad then return {err = bad} end
local s = p .. 's:' .. sid
redis.call('HSET', t, 'state', ARGV[3], 'complete', ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', t, 'values', ARGV[5]) end
local i = 7
for _ = 1, tonumber(ARGV[6]) do
  redis.call('HSET', t .. ':sattr', ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('ZREM', s .. ':beats', tid)
redis.call('HINCRBY', s .. ':counts', old, -1)
redis.call('HINCRBY', s .. ':counts', ARGV[3], 1)
if old == '4' then redis.call('INCR', s .. ':wv') end
return 1
"""

_HEARTBEAT = _CHECK_OPEN + """
local p, tid = ARGV[1], ARGV[2]
local row = redis.call('HMGET', p .. 't:' .. tid, 'state', 'study')
if not row[1] then return {err = 'PARZEN_MISSING_TRIAL'} end
if row[1] ~= '0' then return 0 end
redis.call('ZADD', p .. 's:' .. row[2] .. ':beats', server_now(), tid)
return 1
"""

_STALE = _CHECK_OPEN + """
local p = ARGV[1]
local s = p .. 's:' .. ARGV[2]
if redis.call('EXISTS', s) == 0 then return {err = 'PARZEN_MISSING_STUDY'} end
local cutoff = server_now() - tonumber(ARGV[3])
local out = {}
for _, tid in ipairs(redis.call('ZRANGEBYSCORE', s .. ':beats', '-inf', '(' .. cutoff)) do
  local row = redis.call('HMGET', p .. 't:' .. tid, 'state', 'number')
  if row[1] == '0' then
    table.insert(out, tonumber(row[2]))
    table.insert(out, tonumber(tid))
  end
end
return out
"""

_FAIL_STALE = _CHECK_OPEN + """
local p, tid = ARGV[1], ARGV[2]
local t = p .. 't:' .. tid
local row = redis.call('HMGET', t, 'state', 'study')
if not row[1] then return {err = 'PARZEN_MISSING_TRIAL'} end
if row[1] ~= '0' then return 0 end
local s = p .. 's:' .. row[2]
if ARGV[4] ~= '' then
  local beat = redis.call('ZSCORE', s .. ':beats', tid)
  if beat and tonumber(beat) >= server_now() - tonumber(ARGV[4]) then return 0 end
end
redis.call('HSET', t, 'state', 3, 'complete', ARGV[5])
redis.call('HSET', t .. ':sattr', ARGV[6], ARGV[3])
redis.call('ZREM', s .. ':beats', tid)
redis.call('HINCRBY', s .. ':counts', '0', -1)
redis.call('HINCRBY', s .. ':counts', '3', 1)
return 1
"""


def _once(body: str) -> str:
    """``body`` made safe to retry: its result is kept under the request key KEYS[1] for ARGV[#ARGV] s.

    A write whose reply was lost (the server ran it, then the connection dropped) is sent again by
    the retry; the second run returns the first run's result instead of writing again, so a retried
    create_trial does not leave an orphan trial behind and a retried claim is still won.
    """
    return ("local function body()\n" + body + "\nend\n"
            "local kept = redis.call('GET', KEYS[1])\n"
            "if kept then return cjson.decode(kept) end\n"
            "local result = body()\n"
            "if type(result) == 'table' and result.err then return result end\n"
            "redis.call('SET', KEYS[1], cjson.encode(result), 'EX', ARGV[#ARGV])\n"
            "return result\n")


# Writes that change what a repetition would answer run once per request; the others may simply repeat.
_ONCE = {"create_study": _CREATE_STUDY, "delete_study": _DELETE_STUDY, "claim": _CLAIM,
         "create_trial": _CREATE_TRIAL, "pop_waiting": _POP_WAITING, "finish": _FINISH, "fail_stale": _FAIL_STALE}
_SCRIPTS = {
    **{name: _once(body) for name, body in _ONCE.items()},
    "set_study_attr": _SET_STUDY_ATTR, "set_trial_fields": _SET_TRIAL_FIELDS, "heartbeat": _HEARTBEAT,
    "stale": _STALE,
}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
def _now() -> str:
    return datetime.datetime.now().isoformat()


def _time(text: str | None) -> datetime.datetime | None:
    return None if text is None else datetime.datetime.fromisoformat(text)


def _store_param(dist: Distribution, value: Any) -> str:
    """The stored text of a parameter: the distribution's stored number, exact for big integers."""
    if isinstance(dist, Int) and isinstance(value, numbers.Integral) and abs(int(value)) > 2**53:
        return _EXACT + str(int(value))
    return repr(float(dist.to_storage(value)))


def _load_param(dist: Distribution, text: str) -> Any:
    if text.startswith(_EXACT):
        return int(text[len(_EXACT):])
    return dist.from_storage(float(text))


def _param_args(params: Mapping[str, Any], distributions: Mapping[str, Distribution]) -> list[Any]:
    """Script arguments ``n, (name, stored, distribution JSON) * n``, encoded before any write."""
    args: list[Any] = [len(params)]
    for name, value in params.items():
        if name not in distributions:
            raise ValueError(f"parameter {name!r} has no distribution")
        dist = distributions[name]
        args += [name, _store_param(dist, value), json.dumps(distribution_to_dict(dist))]
    return args


def _pair_args(attrs: Mapping[str, Any]) -> list[Any]:
    """Script arguments ``n, (key, JSON value) * n``."""
    args: list[Any] = [len(attrs)]
    for key, value in attrs.items():
        args += [key, json.dumps(value)]
    return args


def _float_text(value: Any) -> str:
    return repr(float(value))


def _raise(exc: Exception, what: str) -> None:
    """Turn a script's "PARZEN_..." error reply into parzen's exception; re-raise anything else."""
    message = str(exc)
    if message.startswith("PARZEN_MISSING_STUDY"):
        raise StudyNotFoundError(f"no study with id {what}") from None
    if message.startswith("PARZEN_MISSING_TRIAL"):
        raise KeyError(f"no trial with id {what}") from None
    if message.startswith("PARZEN_FINISHED"):
        _, state, number = message.split()[:3]
        raise TrialFinishedError(f"trial {number} is already {TrialState(int(state)).name} and cannot change") from None
    if message.startswith("PARZEN_DUPLICATE_STUDY"):
        raise DuplicatedStudyError(f"a study named {what!r} already exists") from None
    if message.startswith("PARZEN_FORMAT"):
        raise SchemaVersionError(f"the storage uses format version {message.split()[1]}, but this parzen uses "
                                 f"format version {FORMAT_VERSION}; use a matching parzen version") from None
    raise exc


# ---------------------------------------------------------------------------------------------
# The storage
# ---------------------------------------------------------------------------------------------
class RedisStorage(BaseStorage):
    """A storage in a Redis database given by a URL, e.g. ``redis://localhost:6379/0``.

    ``retry_timeout`` bounds, in seconds, how long an operation retries while the server cannot be
    reached (restarting, connection dropped, loading its data) before it raises
    :class:`parzen.exceptions.StorageError`. Instances can be pickled: the copy opens its own
    connections to the same URL.
    """

    starts_trials_beating = True

    def __init__(self, url: str, retry_timeout: float = DEFAULT_RETRY_TIMEOUT_S) -> None:
        import redis

        self.url = url
        self._retry_timeout = check_retry_timeout(retry_timeout)
        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._transient_errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        # Wrong credentials are ConnectionErrors too, but waiting does not fix them.
        self._lasting_errors = (redis.exceptions.AuthenticationError, redis.exceptions.AuthorizationError,
                                redis.exceptions.ExternalAuthProviderError)
        self._response_error = redis.exceptions.ResponseError
        kwargs = self._redis.connection_pool.connection_kwargs
        self._identity = (kwargs.get("host"), kwargs.get("port"), kwargs.get("path"), kwargs.get("db", 0))
        self._scripts = {name: self._redis.register_script(text) for name, text in _SCRIPTS.items()}
        self._cache_lock = threading.Lock()
        self._caches: dict[int, StudyCache] = {}
        # trial_id -> (study_id, trial) for every finished trial this object has seen.
        self._finished: dict[int, tuple[int, FrozenTrial]] = {}
        retry_transient(self._check_format, self._is_transient, self._retry_timeout, url, "opening the database",
                        opening=type(self).__name__)

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url, "retry_timeout": self._retry_timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["url"], state["retry_timeout"])  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"RedisStorage({hide_password(self.url)!r})"

    def same_backend(self, other: BaseStorage) -> bool:
        """Whether ``other`` is this storage or another RedisStorage on the same server and database."""
        return other is self or (isinstance(other, RedisStorage) and other._identity == self._identity)

    # --- connection and format ------------------------------------------------------------
    def _is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, self._transient_errors) and not isinstance(exc, self._lasting_errors)

    def _check_format(self) -> None:
        found: Any = self._redis.get(_PREFIX + "format")
        if found is not None and found != FORMAT_VERSION:
            raise SchemaVersionError(
                f"the storage {hide_password(self.url)!r} uses format version {found}, but this parzen uses "
                f"format version {FORMAT_VERSION}; use a matching parzen version or another database "
                "(it was not modified)")

    def _run(self, script: str, args: list[Any], what: Any) -> Any:
        """Run a script, retrying transient failures; a once-only script runs once however often it is sent."""
        keys: list[str] = []
        if script in _ONCE:
            keys = [f"{_PREFIX}req:{uuid.uuid4().hex}"]
            args = [*args, math.ceil(self._retry_timeout) + _REQUEST_KEY_MARGIN_S]

        def call() -> Any:
            try:
                return self._scripts[script](keys=keys, args=[_PREFIX, *args])
            except self._response_error as exc:
                _raise(exc, str(what))

        return retry_transient(call, self._is_transient, self._retry_timeout, self.url, script)

    # --- studies -------------------------------------------------------------------------
    def create_study(self, study_name: str, directions: Sequence[str]) -> int:
        return int(self._run("create_study", [study_name, json.dumps(list(directions)), FORMAT_VERSION],
                             study_name))

    def delete_study(self, study_id: int) -> None:
        self._run("delete_study", [study_id], study_id)
        with self._cache_lock:
            self._caches.pop(study_id, None)
            self._finished = {tid: entry for tid, entry in self._finished.items() if entry[0] != study_id}

    @retried
    def get_study_id(self, study_name: str) -> int:
        found = self._redis.hget(_PREFIX + "study_names", study_name)
        if found is None:
            raise StudyNotFoundError(f"no study named {study_name!r}")
        return int(found)

    def _study_field(self, study_id: int, field: str) -> str:
        found = self._redis.hget(f"{_PREFIX}s:{study_id}", field)
        if found is None:
            raise StudyNotFoundError(f"no study with id {study_id}")
        return str(found)

    @retried
    def get_study_name(self, study_id: int) -> str:
        return self._study_field(study_id, "name")

    @retried
    def get_study_directions(self, study_id: int) -> tuple[str, ...]:
        return tuple(json.loads(self._study_field(study_id, "directions")))

    @retried
    def get_all_studies(self) -> list[StudySummary]:
        ids = sorted(int(sid) for sid in self._redis.hvals(_PREFIX + "study_names"))
        pipe = self._redis.pipeline(transaction=True)
        for sid in ids:
            pipe.hmget(f"{_PREFIX}s:{sid}", "name", "directions")
            pipe.llen(f"{_PREFIX}s:{sid}:trials")
            pipe.lindex(f"{_PREFIX}s:{sid}:trials", 0)
        rows = pipe.execute()
        firsts = [rows[3 * i + 2] for i in range(len(ids))]
        pipe = self._redis.pipeline(transaction=False)
        for first in firsts:
            pipe.hget(f"{_PREFIX}t:{first}", "start")
        starts = pipe.execute() if firsts else []
        summaries = []
        for i, sid in enumerate(ids):
            (name, directions), n_trials, first = rows[3 * i], rows[3 * i + 1], rows[3 * i + 2]
            if name is None:  # deleted between the two reads
                continue
            summaries.append(StudySummary(sid, name, tuple(json.loads(directions)), int(n_trials),
                                          _time(starts[i]) if first is not None else None))
        return summaries

    def _get_study_attrs(self, study_id: int, kind: str) -> dict[str, Any]:
        pipe = self._redis.pipeline(transaction=True)
        pipe.exists(f"{_PREFIX}s:{study_id}")
        pipe.hgetall(f"{_PREFIX}s:{study_id}:{kind}")
        exists, attrs = pipe.execute()
        if not exists:
            raise StudyNotFoundError(f"no study with id {study_id}")
        return {key: json.loads(value) for key, value in attrs.items()}

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._run("set_study_attr", [study_id, "uattr", key, json.dumps(value)], study_id)

    @retried
    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(study_id, "uattr")

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._run("set_study_attr", [study_id, "sattr", key, json.dumps(value)], study_id)

    @retried
    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._get_study_attrs(study_id, "sattr")

    def claim(self, study_id: int, key: str) -> bool:
        return int(self._run("claim", [study_id, key], study_id)) == 1

    # --- trials --------------------------------------------------------------------------
    def create_trial(self, study_id: int, template: TrialTemplate | None = None) -> tuple[int, int]:
        template = template or TrialTemplate()
        state = TrialState(template.state)
        system_attrs = dict(template.system_attrs or {})
        if template.fixed_params:
            system_attrs["fixed_params"] = dict(template.fixed_params)
        # Encode before the script runs so that bad input fails without touching the database.
        running = state == TrialState.RUNNING
        args = [study_id, int(state), _now() if running else "", "1" if running and template.heartbeat else "",
                *_param_args(template.params or {}, template.distributions or {}),
                *_pair_args(template.user_attrs or {}), *_pair_args(system_attrs)]
        trial_id, number = self._run("create_trial", args, study_id)
        return int(trial_id), int(number)

    def pop_waiting_trial(self, study_id: int) -> int | None:
        return self._pop_waiting(study_id, beat=False)

    def pop_waiting_trial_beating(self, study_id: int) -> int | None:
        return self._pop_waiting(study_id, beat=True)

    def _pop_waiting(self, study_id: int, beat: bool) -> int | None:
        found = self._run("pop_waiting", [study_id, _now(), "1" if beat else ""], study_id)
        return None if found is None else int(found)

    def _set_fields(self, trial_id: int, kind: str, args: list[Any]) -> None:
        self._run("set_trial_fields", [trial_id, kind, *args], trial_id)

    def set_trial_params(self, trial_id: int, params: Mapping[str, Any],
                         distributions: Mapping[str, Distribution]) -> None:
        self._set_fields(trial_id, "params", _param_args(params, distributions))

    def set_trial_intermediate_value(self, trial_id: int, step: int, value: float) -> None:
        self._set_fields(trial_id, "iv", [1, int(step), _float_text(value)])

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_fields(trial_id, "uattr", _pair_args({key: value}))

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._set_fields(trial_id, "sattr", _pair_args({key: value}))

    def finish_trial(self, trial_id: int, state: TrialState, values: Sequence[float] | None,
                     system_attrs: Mapping[str, Any] | None = None) -> FrozenTrial:
        state = TrialState(state)
        if not state.is_finished():
            raise ValueError(f"a trial can only be finished as COMPLETE, PRUNED or FAIL, not {state.name}")
        values_text = "" if values is None else json.dumps([_float_text(v) for v in values])
        self._run("finish", [trial_id, int(state), _now(), values_text, *_pair_args(system_attrs or {})], trial_id)
        return self._read_trial(trial_id)

    # --- heartbeats ----------------------------------------------------------------------
    def record_heartbeat(self, trial_id: int) -> bool:
        return int(self._run("heartbeat", [trial_id], trial_id)) == 1

    def get_stale_trial_ids(self, study_id: int, grace_period: float) -> list[int]:
        flat = self._run("stale", [study_id, repr(float(grace_period))], study_id)
        pairs = sorted(zip(flat[::2], flat[1::2]))
        return [int(tid) for _, tid in pairs]

    def fail_stale_trial(self, trial_id: int, reason: str, grace_period: float | None = None) -> bool:
        grace = "" if grace_period is None else repr(float(grace_period))
        failed = int(self._run("fail_stale", [trial_id, json.dumps(reason), grace, _now(), FAIL_REASON_ATTR],
                               trial_id)) == 1
        if failed:
            self._read_trial(trial_id)  # caches the final record
        return failed

    # --- reading trials ------------------------------------------------------------------
    def _load(self, trial_ids: list[int]) -> list[tuple[int, FrozenTrial]]:
        """``(study_id, trial)`` for each existing trial of ``trial_ids``.

        Each trial is read whole in one MULTI/EXEC (a snapshot); a long list goes in chunks, so that
        no reply grows with the size of the study.
        """
        rows: list[Any] = []
        for start in range(0, len(trial_ids), _LOAD_CHUNK):
            pipe = self._redis.pipeline(transaction=True)
            for tid in trial_ids[start:start + _LOAD_CHUNK]:
                key = f"{_PREFIX}t:{tid}"
                pipe.hgetall(key)
                for suffix in (":params", ":dists", ":iv", ":uattr", ":sattr"):
                    pipe.hgetall(key + suffix)
            rows += pipe.execute()
        out = []
        for i, tid in enumerate(trial_ids):
            head, params, dists, iv, uattr, sattr = rows[6 * i:6 * i + 6]
            if not head:
                continue
            distributions = {name: parse_distribution(text) for name, text in dists.items()}
            values = head.get("values")
            out.append((int(head["study"]), FrozenTrial(
                number=int(head["number"]),
                trial_id=int(tid),
                state=TrialState(int(head["state"])),
                values=None if values is None else tuple(float(v) for v in json.loads(values)),
                params={name: _load_param(distributions[name], text) for name, text in params.items()},
                distributions=distributions,
                intermediate_values={int(step): float(v) for step, v in sorted(iv.items(), key=lambda kv: int(kv[0]))},
                user_attrs={k: json.loads(v) for k, v in uattr.items()},
                system_attrs={k: json.loads(v) for k, v in sattr.items()},
                datetime_start=_time(head.get("start")),
                datetime_complete=_time(head.get("complete")),
            )))
        with self._cache_lock:
            for study_id, trial in out:
                if trial.state.is_finished():
                    self._finished[trial.trial_id] = (study_id, trial)
                    cache = self._caches.get(study_id)
                    if cache is not None:
                        cache.merge([trial])
        return out

    @retried
    def _read_trial(self, trial_id: int) -> FrozenTrial:
        found = self._load([trial_id])
        if not found:
            raise KeyError(f"no trial with id {trial_id}")
        return found[0][1]

    def get_trial(self, trial_id: int) -> FrozenTrial:
        with self._cache_lock:
            entry = self._finished.get(trial_id)
        if entry is not None:
            return entry[1]
        return self._read_trial(trial_id)

    @retried
    def get_all_trials(self, study_id: int, states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        with self._cache_lock:
            cache = self._caches.get(study_id)
            known = len(cache.trials) if cache is not None else 0
        pipe = self._redis.pipeline(transaction=True)
        pipe.exists(f"{_PREFIX}s:{study_id}")
        pipe.get(f"{_PREFIX}s:{study_id}:wv")
        pipe.lrange(f"{_PREFIX}s:{study_id}:trials", known, -1)
        exists, version, new_ids = pipe.execute()
        if not exists:
            raise StudyNotFoundError(f"no study with id {study_id}")
        waiting_version = int(version or 0)
        open_ids: list[int] = []
        read_all_waiting = True
        if cache is not None:
            with self._cache_lock:
                numbers, read_all_waiting = cache.to_read_again(waiting_version)
                open_ids = [cache.trials[n].trial_id for n in numbers]
        fresh = self._load(open_ids + [int(tid) for tid in new_ids])
        with self._cache_lock:
            cache = self._caches.setdefault(study_id, StudyCache())
            cache.merge([trial for _, trial in fresh])
            cache.note_read(waiting_version, read_all_waiting)
            return cache.select(states)

    @retried
    def get_n_trials(self, study_id: int, states: Container[TrialState] | None = None) -> int:
        pipe = self._redis.pipeline(transaction=True)
        pipe.exists(f"{_PREFIX}s:{study_id}")
        pipe.llen(f"{_PREFIX}s:{study_id}:trials")
        pipe.hgetall(f"{_PREFIX}s:{study_id}:counts")
        exists, total, counts = pipe.execute()
        if not exists:
            raise StudyNotFoundError(f"no study with id {study_id}")
        if states is None:
            return int(total)
        return sum(int(counts.get(str(int(s)), 0)) for s in TrialState if s in states)

    @retried
    def get_trial_id_from_number(self, study_id: int, number: int) -> int:
        pipe = self._redis.pipeline(transaction=True)
        pipe.exists(f"{_PREFIX}s:{study_id}")
        pipe.lindex(f"{_PREFIX}s:{study_id}:trials", int(number))
        exists, found = pipe.execute()
        if not exists:
            raise StudyNotFoundError(f"no study with id {study_id}")
        if found is None or number < 0:
            raise KeyError(f"the study has no trial number {number}")
        return int(found)
