"""Payload analyzer: HTTP requests and GraphQL documents (curl, wget, HTTPie/xh, `gh api`, `railway api`).

The PocketOS incident was not a CLI subcommand but one `curl -X POST …/graphql/v2 -d '{"query":"mutation {
volumeDelete(…) }"}'`. So every HTTP client's argv is read the way that client reads it (method, URL, headers, body
from flags, files and stdin), the request is modelled, and the model becomes facts:

- `graphql:mutation-delete` (target: the mutation field) for a destructive top-level mutation field,
- `graphql:mutation` for any other mutation, `graphql:unparsed-mutation` for a document that does not parse but
  names a mutation,
- `http:delete` / `http:delete-platform` for DELETE requests (anywhere / to a cloud or platform API host),
- `http:write-platform` for POST/PUT/PATCH to a platform API host that carries no GraphQL document.

Secrets never reach a fact: targets and details carry host, path and field names only, and payload excerpts are
redacted (header values of credential headers, bearer tokens, known token shapes, password-like fields).

graphql-core costs ~100 ms to import, so it is imported only when a body actually looks like GraphQL.
"""
from __future__ import annotations

import re

from agentsh.redact import _SENSITIVE_HEADER, _TOKEN_RE, redact  # noqa: F401  (re-exported)

MAX_BODY_BYTES = 1 << 20
MAX_PARSED_CHARS = 60000      # GraphQL text parsed per request; beyond it documents are only scanned for names
MAX_FIELDS_REPORTED = 20       # mutation fields reported per document (a generated document may carry hundreds)
MAX_GRAPHQL_TOKENS = 20000     # graphql-core's parser bound (~0.15 s): a huge document cannot eat the deadline

# ---- what is a destructive mutation -------------------------------------------------------------------------------
# Field names that delete, reset or detach something (catalog 1.2 and API-23). Substring, case-insensitive:
# `volumeDelete`, `deleteRepository`, `delete_users`, `projectScheduleDelete`, `bucketCredentialsReset`.
_DESTRUCTIVE_FIELD = re.compile(r"delete|destroy|remove|drop|purge|wipe|reset|truncate|detach|revoke", re.I)
# Railway's public API (catalog 3, RW-27..36): destructive fields whose names carry none of those verbs.
RAILWAY_DESTRUCTIVE_FIELDS = frozenset({
    "volumeDelete", "volumeInstanceBackupDelete", "volumeInstanceBackupRestore", "projectDelete",
    "projectScheduleDelete", "projectTransfer", "environmentDelete", "serviceDelete", "deploymentRemove",
    "deploymentStop", "variableDelete", "customDomainDelete", "serviceDomainDelete", "tcpProxyDelete",
    "bucketCredentialsReset", "sandboxDestroy", "templateDelete", "sshPublicKeyDelete", "serviceDisconnect",
    "egressGatewayAssociationsClear",
})
# Arguments that turn an ordinary upsert into a delete (`variableCollectionUpsert(input: {replace: true})` deletes
# every variable not listed; catalog RW-33, API-23).
_DESTRUCTIVE_ARGS = frozenset({"replace", "hardDelete", "hard_delete", "permanent", "permanently"})

# ---- cloud and platform API hosts (catalog 21) ----------------------------------------------------------------------
PLATFORM_HOSTS = frozenset({
    "api.railway.app", "api.railway.com", "backboard.railway.app", "backboard.railway.com",
    "api.github.com", "uploads.github.com", "gitlab.com", "api.bitbucket.org",
    "api.vercel.com", "api.heroku.com", "api.fly.io", "api.machines.dev", "api.netlify.com", "api.render.com",
    "api.koyeb.com", "api.northflank.com", "api.deno.com",
    "api.cloudflare.com", "api.digitalocean.com", "api.linode.com", "api.hetzner.cloud", "api.vultr.com",
    "api.scaleway.com", "management.azure.com", "graph.microsoft.com",
    "api.supabase.com", "console.neon.tech", "api.planetscale.com", "api.turso.tech", "cloud.mongodb.com",
    "api.upstash.com", "api.cockroachlabs.cloud", "api.aiven.io",
    "api.stripe.com", "api.clerk.com", "api.datadoghq.com", "api.datadoghq.eu", "api.pagerduty.com", "sentry.io",
    "api.sendgrid.com", "api.mailgun.net", "slack.com",
})
PLATFORM_SUFFIXES = (
    ".amazonaws.com", ".googleapis.com", ".azure.com", ".azure.net", ".windows.net", ".supabase.co",
    ".firebaseio.com", ".auth0.com", ".algolia.net", ".algolianet.com", ".upstash.io", ".r2.cloudflarestorage.com",
    ".digitaloceanspaces.com", ".backblazeb2.com", ".es.io", ".elastic-cloud.com", ".snowflakecomputing.com",
    ".mongodb-api.com",
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
RAILWAY_ENDPOINT = "https://backboard.railway.com/graphql/v2"

_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_platform_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host in PLATFORM_HOSTS or host.startswith("backboard.railway.") or host.endswith(PLATFORM_SUFFIXES)


# ---- redaction: agentsh.redact (shared with every output that shows command text) ----------------------
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _safe_path(path: str) -> str:
    """A URL path for a fact's detail: long opaque segments (webhook secrets, bot tokens) are masked."""
    out = []
    for seg in path.split("/")[:20]:
        if len(seg) >= 32 and not _UUID.fullmatch(seg) or _TOKEN_RE.search(seg):
            seg = "***"
        out.append(seg)
    path = "/".join(out)
    return path if len(path) <= 120 else path[:120] + "…"


# ---- the request model -------------------------------------------------------------------------------------------
class Request:
    """One HTTP request as a client would send it. `body` is the text sent (None: no body); `docs` are GraphQL
    documents a client states directly (`gh api graphql`, `railway api`) as (text, variables, dynamic)."""
    __slots__ = ("tool", "method", "method_dynamic", "url", "headers", "body", "body_dynamic", "docs", "fields")

    def __init__(self, tool, method=None, url=None, headers=None, body=None, body_dynamic=False):
        self.tool = tool
        self.method = method
        self.method_dynamic = False
        self.url = url
        self.headers = headers if headers is not None else []   # (name, value) pairs
        self.body = body
        self.body_dynamic = body_dynamic
        self.docs = None
        self.fields = None      # multipart/form field values (curl -F), each checked for GraphQL on its own


class _Url:
    __slots__ = ("host", "path", "query", "scheme", "dynamic_host")

    def __init__(self, text: str, default_scheme="http"):
        from urllib.parse import urlsplit
        self.host, self.path, self.query, self.scheme, self.dynamic_host = "", "", "", default_scheme, False
        t = text.strip()
        if "://" not in t[:12]:
            t = default_scheme + "://" + t
        try:
            parts = urlsplit(t)
            netloc = parts.netloc.rpartition("@")[2]
            if netloc.startswith("["):
                host = netloc[1:].partition("]")[0]
            else:
                host = netloc.partition(":")[0]
            self.host, self.path, self.query, self.scheme = host.lower(), parts.path, parts.query, parts.scheme
        except ValueError:
            self.host = ""
        # an unresolved variable, a substitution or curl's URL globbing: the real host is not known
        if not self.host or any(c in self.host for c in "$`{}()*[]"):
            self.dynamic_host = True
        self.path = self.path or "/"

    def shown_host(self):
        return "an unknown host" if self.dynamic_host else self.host

    def target(self):
        return "(unknown host)" if self.dynamic_host else self.host

    def safe(self):
        return ("<unknown host>" if self.dynamic_host else self.host) + _safe_path(self.path)


# ---- judging a request -------------------------------------------------------------------------------------------
def analyze_request(method, url, body, headers=(), origin="", ctx=None, body_dynamic=False):
    """Judge one request described by another analyzer (requests.delete(…), fetch(…)). `method` may be None (GET,
    or POST when there is a body); `headers` are (name, value) pairs, "Name: value" strings or a dict."""
    if isinstance(headers, dict):
        headers = list(headers.items())
    pairs = []
    for h in headers or ():
        if isinstance(h, str):
            name, _, value = h.partition(":")
            pairs.append((name.strip(), value.strip()))
        else:
            pairs.append((str(h[0]), str(h[1])))
    req = Request(origin or "http", (method or "").upper() or None, url, pairs, body, body_dynamic)
    if req.method is None:
        req.method = "POST" if body is not None else "GET"
    _guarded(_judge, req, ctx, origin)


def _guarded(fn, a, ctx, label):
    """Run an analysis step; an unexpected error becomes an `unseen` fact (confirm), never a crash or an allow."""
    try:
        return fn(a, ctx)
    except Exception as e:
        if type(e).__name__ == "DeadlineExceeded" or isinstance(e, RecursionError):
            raise
        ctx.unseen(label or "HTTP request", "agentsh's HTTP analyzer failed on this request (%s)"
                   % type(e).__name__)
        return None


def _judge(req: Request, ctx):
    # no URL (an interpreter's `requests.delete(url)` with url unknown) is an unknown host, not no request
    url = _Url(req.url or "", "https" if req.tool in ("https", "xhs", "gh", "railway") else "http")
    method = (req.method or "GET").upper()
    if req.body is not None and len(req.body) > MAX_BODY_BYTES:
        ctx.unreadable("%s request body" % req.tool, "the body is larger than %d bytes" % MAX_BODY_BYTES)
        return
    excerpt = _excerpt(method, url, req.headers, req.body)
    saw_graphql = _judge_graphql(req, url, ctx)
    if req.method_dynamic:
        ctx.unseen("%s request method" % req.tool, "the HTTP method of a request to %s is only known at run time"
                   % url.shown_host())
    if method == "DELETE":
        # loopback stays `http:delete` (high): a tunnel or `kubectl proxy` can put production behind localhost
        if not url.dynamic_host and is_platform_host(url.host):
            ctx.fact("http:delete-platform", url.host, "DELETE %s" % url.safe(), excerpt)
        else:
            ctx.fact("http:delete", url.target(), "DELETE %s" % url.safe(), excerpt)
    elif method in _WRITE_METHODS and not saw_graphql and not url.dynamic_host and is_platform_host(url.host):
        ctx.fact("http:write-platform", url.host, "%s %s" % (method, url.safe()), excerpt)
    if req.body_dynamic and method not in _READ_METHODS:
        ctx.unseen("%s request body" % req.tool, "the body of a %s request to %s is only known at run time"
                   % (method, url.shown_host()))


def _excerpt(method, url, headers, body) -> str:
    lines = ["%s %s" % (method, url.safe())]
    for name, value in headers[:30]:
        shown = "***" if _SENSITIVE_HEADER.search(name) else redact(value)[:200]
        lines.append("%s: %s" % (name, shown))
    if body:
        lines.append("")
        lines.append(redact(body[:1500]))
    return "\n".join(lines)


# ---- GraphQL -------------------------------------------------------------------------------------------------------
# a document starts with an operation keyword or a selection set, optionally after comments; `query=` is a form
_GRAPHQL_START = re.compile(r"\s*(?:#[^\n]*\n\s*)*(?:(?:mutation|query|subscription|fragment)\b(?!\s*=)|\{)")


def _is_graphql_path(path: str) -> bool:
    p = path.rstrip("/").lower()
    return p.endswith("/graphql") or p.endswith("/graphql/v2") or p.endswith("/gql") or p.endswith("/graphql/v1")


def _graphql_docs(req: Request, url: _Url) -> list:
    """The GraphQL documents a request carries: [(text, variables)]. Empty when it carries none."""
    import json
    docs = []
    if req.docs is not None:
        return [(t, v) for t, v, _dyn in req.docs if t]
    endpoint = _is_graphql_path(url.path)
    texts = [req.body] if req.body else []
    texts += req.fields or []
    for text in texts:
        s = text.strip()
        if not s:
            continue
        if s[0] in "{[":
            try:
                obj = json.loads(s)
            except ValueError:
                obj = None
            if obj is not None:
                docs.extend(_docs_from_json(obj))
                continue
        if _GRAPHQL_START.match(s) or endpoint and "=" not in s[:40]:
            docs.append((s, None))
            continue
        if re.match(r"(?:[^&=]*&)*query=", s):
            docs.extend(_docs_from_form(s))
    if url.query and re.search(r"(?:^|&)query=", url.query):
        docs.extend(_docs_from_form(url.query))
    return docs


def _docs_from_json(obj) -> list:
    items = obj if isinstance(obj, list) else [obj]
    out = []
    for item in items[:50]:
        if isinstance(item, dict) and isinstance(item.get("query"), str):
            out.append((item["query"], item.get("variables")))
        elif isinstance(item, dict) and isinstance(item.get("operationName"), str) and "query" not in item:
            # a persisted query: only the operation's name is visible
            out.append(("", {"__operationName": item["operationName"]}))
    return out


def _docs_from_form(text: str) -> list:
    import json
    from urllib.parse import parse_qs
    got = parse_qs(text, keep_blank_values=True)
    out = []
    for q in got.get("query", [])[:10]:
        variables = None
        if got.get("variables"):
            try:
                variables = json.loads(got["variables"][0])
            except ValueError:
                variables = None
        out.append((q, variables))
    return out


def _judge_graphql(req: Request, url: _Url, ctx) -> bool:
    """Report facts for each GraphQL document; True when the request carries GraphQL at all."""
    docs = _graphql_docs(req, url)
    for _text, _vars, dyn in (req.docs or ()):
        if dyn:
            ctx.unseen("%s GraphQL document" % req.tool, "the GraphQL document sent to %s is only known at run time"
                       % url.shown_host())
    seen = bool(req.docs)
    budget = MAX_PARSED_CHARS
    host = url.shown_host()
    for text, variables in docs:
        if not text:
            name = (variables or {}).get("__operationName", "")
            if name and _is_destructive_field(name):
                ctx.fact("graphql:unparsed-mutation", name, "GraphQL persisted operation %s sent to %s (the document "
                         "itself is not in the request)" % (name, host), "operationName: %s" % name)
            seen = True
            continue
        budget -= len(text)
        seen = _classify_document(text, variables, host, ctx, parse=budget >= 0) or seen
    return seen


def _is_destructive_field(name: str) -> bool:
    return name in RAILWAY_DESTRUCTIVE_FIELDS or bool(_DESTRUCTIVE_FIELD.search(name))


def _classify_document(text: str, variables, host: str, ctx, parse=True) -> bool:
    """Facts for one document. True when it is GraphQL (parsed, or an unparsed mutation)."""
    doc = _parse_graphql(text) if parse else None
    shown = redact(text[:2000])
    if doc is None:
        if not re.search(r"\bmutation\b", text):
            return False   # not GraphQL after all (`{"query": "shoes"}` to a search API), or a broken read
        names = [n for n in re.findall(r"[A-Za-z_]\w*", text[:200000]) if n != "mutation" and _is_destructive_field(n)]
        if names:
            ctx.fact("graphql:unparsed-mutation", names[0], "a GraphQL mutation agentsh could not parse, naming %s, "
                     "sent to %s" % (names[0], host), shown)
        else:
            ctx.fact("graphql:mutation", "(unparsed)", "a GraphQL mutation agentsh could not parse, sent to %s"
                     % host, shown)
        return True
    fragments = {d.name.value: d for d in doc.definitions if d.kind == "fragment_definition"}
    reported = 0
    for op in doc.definitions:
        if op.kind != "operation_definition" or op.operation.value != "mutation":
            continue
        for field in _top_fields(op.selection_set, fragments, set()):
            if reported >= MAX_FIELDS_REPORTED:
                return True
            reported += 1
            name = field.name.value
            if _is_destructive_field(name) or _has_destructive_argument(field, variables):
                ctx.fact("graphql:mutation-delete", name, "GraphQL mutation %s sent to %s" % (name, host), shown)
            else:
                ctx.fact("graphql:mutation", name, "GraphQL mutation %s sent to %s" % (name, host), shown)
    return True


def _parse_graphql(text: str):
    """The parsed document, or None. graphql-core is imported here, and only here (it costs ~100 ms)."""
    try:
        from graphql.language import parse
    except ImportError:
        return None
    try:
        return parse(text, no_location=True, max_tokens=MAX_GRAPHQL_TOKENS)
    except RecursionError:
        return None
    except Exception:   # GraphQLSyntaxError, and anything graphql-core raises on hostile input
        return None


def _top_fields(selection_set, fragments, seen) -> list:
    """Top-level fields of an operation, looking through fragment spreads and inline fragments."""
    out = []
    for sel in selection_set.selections if selection_set else ():
        if sel.kind == "field":
            out.append(sel)
        elif sel.kind == "inline_fragment":
            out.extend(_top_fields(sel.selection_set, fragments, seen))
        elif sel.kind == "fragment_spread":
            name = sel.name.value
            if name in fragments and name not in seen:
                seen.add(name)
                out.extend(_top_fields(fragments[name].selection_set, fragments, seen))
    return out


def _has_destructive_argument(field, variables) -> bool:
    """`replace: true` and friends, written inline or passed through a variable."""
    stack = [(a.name.value, a.value) for a in field.arguments or ()]
    used_vars = []
    while stack:
        name, value = stack.pop()
        kind = value.kind
        if kind == "boolean_value" and value.value and name in _DESTRUCTIVE_ARGS:
            return True
        if kind == "object_value":
            stack.extend((f.name.value, f.value) for f in value.fields)
        elif kind == "list_value":
            stack.extend((name, v) for v in value.values)
        elif kind == "variable":
            used_vars.append(value.name.value)
    return bool(used_vars) and _json_sets_destructive_flag(variables)


def _json_sets_destructive_flag(obj, depth=0) -> bool:
    if depth > 20:
        return False
    if isinstance(obj, dict):
        return any((k in _DESTRUCTIVE_ARGS and v is True) or _json_sets_destructive_flag(v, depth + 1)
                   for k, v in obj.items())
    if isinstance(obj, list):
        return any(_json_sets_destructive_flag(v, depth + 1) for v in obj[:1000])
    return False


# ---- reading payload sources -------------------------------------------------------------------------------------
def _stdin_text(cmd, ctx, what):
    """(text, dynamic) for content a client reads from stdin. Unreadable sources are reported here."""
    src = cmd.stdin
    if src is None:
        return None, True
    if src.kind == "text":
        return src.text or "", "(with expansions)" in (src.origin or "")
    if src.kind == "file" and src.text:
        return _file_text(src.text, ctx, what)
    return None, True


def _file_text(name, ctx, what):
    """(text, dynamic) of a payload file. An unreadable file is reported as unreadable: (None, False)."""
    if name == "-":
        return None, True
    text, reason = ctx.read_file(name)
    if text is None:
        ctx.unreadable(name, "%s: %s" % (what, reason))
        return None, False
    return text, False


def _body_from_parts(parts):
    """Join body pieces [(text, dynamic)] the way curl joins repeated -d: with '&'."""
    texts = [t for t, _d in parts if t is not None]
    dynamic = any(d for _t, d in parts)
    if not parts:
        return None, False
    return "&".join(texts), dynamic


# ---- curl ----------------------------------------------------------------------------------------------------------
_CURL_SHORT_VALUE = frozenset("AbcCdDeEFHKmoPQrtTuUwxXyYz")
_CURL_LONG_VALUE = frozenset("""
--abstract-unix-socket --alt-svc --aws-sigv4 --cacert --capath --cert --cert-type --ciphers --config --connect-timeout
--connect-to --continue-at --cookie --cookie-jar --create-file-mode --crlfile --curves --data --data-ascii
--data-binary --data-raw --data-urlencode --delegation --dns-interface --dns-ipv4-addr --dns-ipv6-addr --dns-servers
--doh-url --dump-header --ech --egd-file --engine --etag-compare --etag-save --expand-data --expand-data-ascii
--expand-data-binary --expand-data-urlencode --expand-json --expand-url --expand-header --form
--form-string --ftp-account --ftp-alternative-to-user --ftp-method --ftp-port --ftp-ssl-ccc-mode
--happy-eyeballs-timeout-ms
--haproxy-clientip --header --hostpubmd5 --hostpubsha256 --hsts --interface --ip-tos --ipfs-gateway --json
--keepalive-time --keepalive-cnt --key --key-type --krb --libcurl --limit-rate --local-port --login-options --mail-auth
--mail-from --mail-rcpt --max-filesize --max-redirs --max-time --netrc-file --noproxy --oauth2-bearer --output
--output-dir --parallel-max --pass --pinnedpubkey --preproxy --proto --proto-default --proto-redir --proxy
--proxy-cacert --proxy-capath --proxy-cert --proxy-cert-type --proxy-ciphers --proxy-crlfile --proxy-header
--proxy-key --proxy-key-type --proxy-pass --proxy-pinnedpubkey --proxy-service-name --proxy-tls13-ciphers
--proxy-tlsauthtype --proxy-tlspassword --proxy-tlsuser --proxy-user --proxy1.0 --pubkey --quote --random-file
--range --rate --referer --request --request-target --resolve --retry --retry-delay --retry-max-time --sasl-authzid
--service-name --socks4 --socks4a --socks5 --socks5-gssapi-service --socks5-hostname --speed-limit --speed-time
--stderr --telnet-option --tftp-blksize --time-cond --tls-max --tls13-ciphers --tlsauthtype --tlspassword --tlsuser
--trace --trace-ascii --trace-config --unix-socket --upload-file --url --url-query --user --user-agent --variable
--vlan-priority --write-out
""".split())
_CURL_SHORT_LONG = {"-A": "--user-agent", "-b": "--cookie", "-c": "--cookie-jar", "-C": "--continue-at",
                    "-d": "--data", "-D": "--dump-header", "-e": "--referer", "-E": "--cert", "-F": "--form",
                    "-H": "--header", "-K": "--config", "-m": "--max-time", "-o": "--output", "-P": "--ftp-port",
                    "-Q": "--quote", "-r": "--range", "-t": "--telnet-option", "-T": "--upload-file", "-u": "--user",
                    "-U": "--proxy-user", "-w": "--write-out", "-x": "--proxy", "-X": "--request",
                    "-y": "--speed-time", "-Y": "--speed-limit", "-z": "--time-cond", "-G": "--get", "-I": "--head",
                    "-:": "--next"}


def _split_options(args, short_value, long_value, short_long, two_letter=()):
    """Read argv the way getopt-style clients do: [(option, value Arg or None)] with (None, Arg) for operands.
    Short bundles (`-fsSLo file`, `-XPOST`), `--opt=value` and `--opt value` are all understood."""
    from agentsh.model import Arg
    out = []
    i, n = 0, len(args)
    while i < n:
        a = args[i]
        t = a.text
        i += 1
        # a dynamic word that starts with a literal dash is still an option (`--post-data="$D"`, `-d"$X"`)
        if not t.startswith("-") or t == "-" or t == "--":
            if t != "--" or a.dynamic:
                out.append((None, a))
            continue
        if t.startswith("--"):
            name, eq, value = t.partition("=")
            if eq:
                out.append((name, Arg(value, a.dynamic, False, a.quoted)))
            elif name in long_value and i < n:
                out.append((name, args[i]))
                i += 1
            else:
                out.append((name, None))
            continue
        if t[:3] in two_letter:
            out.append((t[:3], None))
            continue
        j = 1
        while j < len(t):
            c = t[j]
            opt = short_long.get("-" + c, "-" + c)
            if c in short_value:
                rest = t[j + 1:]
                if rest.startswith("=") and short_long is _GH_SHORT:
                    rest = rest[1:]
                if rest:
                    out.append((opt, Arg(rest, a.dynamic, False, a.quoted)))
                elif i < n:
                    out.append((opt, args[i]))
                    i += 1
                else:
                    out.append((opt, None))
                break
            out.append((opt, None))
            j += 1
    return out


def _curl_config_args(text):
    """Arguments from a curl config file (`-K file`): `--opt value`, `opt = "value"`, `opt: value`, one a line."""
    from agentsh.model import Arg
    out = []
    for line in text.splitlines()[:2000]:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"(-{0,2}[A-Za-z0-9:#][\w.-]*)\s*[=:]?\s*(.*)$", line)
        if not m:
            continue
        name, value = m.group(1), m.group(2).strip()
        if not name.startswith("-"):
            name = ("--" + name) if len(name) > 1 else "-" + name
        out.append(Arg(name))
        if value:
            if value.startswith('"'):
                inner = re.match(r'"((?:[^"\\]|\\.)*)"', value)
                value = re.sub(r"\\(.)", lambda mm: {"n": "\n", "t": "\t", "r": "\r"}.get(mm.group(1), mm.group(1)),
                               inner.group(1)) if inner else value[1:]
            else:
                value = value.split()[0]
            out.append(Arg(value))
    return out


def curl(cmd, ctx):
    for req in _guarded(_curl_requests, cmd, ctx, "curl") or ():
        _guarded(_judge, req, ctx, "curl")


def _curl_requests(cmd, ctx) -> list:
    args = list(cmd.args)
    opts = _split_options(args, _CURL_SHORT_VALUE, _CURL_LONG_VALUE, _CURL_SHORT_LONG)
    # `-K file` brings more options; read them in place (one level: a config naming a config is not followed)
    expanded = []
    for name, value in opts:
        if name == "--config" and value is not None:
            if value.dynamic:
                ctx.unseen("curl -K %s" % value.text, "curl reads its options from a file named at run time")
                continue
            text, dyn = (_stdin_text(cmd, ctx, "curl options") if value.text == "-"
                         else _file_text(value.text, ctx, "curl options"))
            if text is None:
                if dyn:
                    ctx.unseen("curl -K -", "curl reads its options from input agentsh cannot see")
                continue
            expanded.extend(o for o in _split_options(_curl_config_args(text), _CURL_SHORT_VALUE, _CURL_LONG_VALUE,
                                                      _CURL_SHORT_LONG) if o[0] != "--config")
        else:
            expanded.append((name, value))
    segments, cur = [], []
    for name, value in expanded:
        if name == "--next":
            segments.append(cur)
            cur = []
        else:
            cur.append((name, value))
    segments.append(cur)
    reqs = []
    for seg in segments:
        reqs.extend(_curl_segment(seg, cmd, ctx))
    return reqs


_CURL_DATA_KIND = {
    "--data": "data", "--data-ascii": "data", "--data-binary": "binary", "--data-raw": "raw",
    "--data-urlencode": "urlencode", "--json": "json", "--expand-data": "expand", "--expand-data-ascii": "expand",
    "--expand-data-binary": "expand", "--expand-data-raw": "expand", "--expand-data-urlencode": "expand",
    "--expand-json": "expand",
}


def _curl_segment(opts, cmd, ctx) -> list:
    method = None
    method_dynamic = False
    head = get = upload = False
    headers, data, fields, urls = [], [], [], []
    has_form = False
    for name, value in opts:
        if name is None or name == "--url":
            if value is not None:
                urls.append(value)
        elif name == "--request" and value is not None:
            method = value.text.upper()
            method_dynamic = value.dynamic
        elif name == "--head":
            head = True
        elif name == "--get":
            get = True
        elif name == "--upload-file" and value is not None:
            upload = True
        elif name == "--header" and value is not None and not value.text.startswith("@"):
            hname, _, hvalue = value.text.partition(":")
            headers.append((hname.strip(), hvalue.strip()))
        elif name == "--oauth2-bearer":
            headers.append(("Authorization", "Bearer ***"))
        elif name == "--user":
            headers.append(("Authorization", "Basic ***"))
        elif name in _CURL_DATA_KIND and value is not None:
            data.append(_curl_data_piece(_CURL_DATA_KIND[name], value, cmd, ctx))
            if name == "--json":
                headers.append(("Content-Type", "application/json"))
        elif name in ("--form", "--form-string") and value is not None:
            has_form = True
            fields.append(_curl_form_piece(value, name == "--form-string", cmd, ctx))
    body, body_dynamic = _body_from_parts(data)
    if method is None:
        if head:
            method = "HEAD"
        elif get:
            method = "GET"
        elif data or has_form:
            method = "POST"
        elif upload:
            method = "PUT"
        else:
            method = "GET"
    field_texts = [t for t, _d in fields if t is not None]
    body_dynamic = body_dynamic or any(d for _t, d in fields)
    # with -G the data goes into the query string; it is still sent, so it is still read for GraphQL
    reqs = []
    for u in urls:      # every URL of a segment gets the same method and data
        req = Request("curl", method, u.text, headers, body, body_dynamic)
        req.method_dynamic = method_dynamic
        req.fields = field_texts
        reqs.append(req)
    return reqs


def _curl_data_piece(kind, value, cmd, ctx):
    """(text, dynamic) of one -d/--data-*/--json argument, as curl would send it."""
    from urllib.parse import quote_plus
    t, dyn = value.text, value.dynamic
    if kind == "raw":
        return t, dyn
    if kind == "expand":
        return t, dyn or "{{" in t
    if kind == "urlencode":
        name, content, is_file = "", t, False
        m = re.match(r"([^@=]*)([@=])(.*)$", t, re.S)
        if m:
            name, sep, rest = m.groups()
            if sep == "@":
                is_file, content = True, rest
            else:
                content = rest
        if is_file:
            if dyn:
                return "", True
            text, fdyn = (_stdin_text(cmd, ctx, "curl --data-urlencode") if content == "-"
                          else _file_text(content, ctx, "curl --data-urlencode"))
            content, dyn = text or "", fdyn
        encoded = quote_plus(content)
        return (name + "=" + encoded if name else encoded), dyn
    if t.startswith("@"):
        if dyn:
            return "", True
        name = t[1:]
        text, fdyn = (_stdin_text(cmd, ctx, "curl request body") if name == "-"
                      else _file_text(name, ctx, "curl request body"))
        # curl -d @file strips newlines before sending; the text is read as written anyway, because stripping can
        # only hide a document (a leading `# comment` line would swallow it) and hiding is the wrong way to err
        return text, fdyn
    return t, dyn


def _curl_form_piece(value, literal, cmd, ctx):
    """(value text, dynamic) of one -F field: `name=value`, `name=<file` (content) or `name=@file` (an upload)."""
    t, dyn = value.text, value.dynamic
    _name, _eq, content = t.partition("=")
    if literal:
        return content, dyn
    if content.startswith("<"):
        if dyn:
            return None, True
        text, fdyn = _file_text(content[1:].partition(";")[0], ctx, "curl form field")
        return text, fdyn
    if content.startswith("@"):
        return None, dyn      # a file upload: sent as an attachment, not read as a request document
    return content.partition(";type=")[0] if ";type=" in content else content, dyn


# ---- wget ----------------------------------------------------------------------------------------------------------
_WGET_SHORT_VALUE = frozenset("aABDeiIloOPQRtTUwX")
_WGET_LONG_VALUE = frozenset("""
--output-document --output-file --append-output --execute --input-file --base --tries --timeout --wait --quota
--user-agent --directory-prefix --level --accept --reject --domains --include-directories --exclude-directories
--header --method --body-data --body-file --post-data --post-file --user --password --http-user --http-password
--ftp-user --ftp-password --proxy-user --proxy-password --load-cookies --save-cookies --referer --bind-address
--dns-timeout --connect-timeout --read-timeout --limit-rate --waitretry --restrict-file-names --ca-certificate
--ca-directory --certificate --certificate-type --private-key --private-key-type --secure-protocol --ciphers
--crl-file --pinnedpubkey --random-file --egd-file --hsts-file --warc-file --warc-header --warc-max-size
--warc-tempdir --cut-dirs --default-page --local-encoding --remote-encoding --config --rejected-log --report-speed
--retry-on-http-error --progress --prefer-family --use-askpass --regex-type --accept-regex --reject-regex
--exclude-domains --follow-tags --ignore-tags --backups --compression --max-redirect --e
""".split())
_WGET_SHORT_LONG = {"-O": "--output-document", "-o": "--output-file", "-e": "--execute", "-i": "--input-file",
                    "-U": "--user-agent", "-P": "--directory-prefix", "-X": "--exclude-directories"}


def wget(cmd, ctx):
    for req in _guarded(_wget_requests, cmd, ctx, "wget") or ():
        _guarded(_judge, req, ctx, "wget")


def _wget_requests(cmd, ctx) -> list:
    opts = _split_options(list(cmd.args), _WGET_SHORT_VALUE, _WGET_LONG_VALUE, _WGET_SHORT_LONG,
                          two_letter=("-nc", "-nd", "-nH", "-nv", "-np"))
    method, method_dynamic, headers, urls, parts = None, False, [], [], []
    post = False
    for name, value in opts:
        if name is None:
            urls.append(value)
        elif value is None:
            continue
        elif name == "--method":
            method, method_dynamic = value.text.upper(), value.dynamic
        elif name == "--header":
            hname, _, hvalue = value.text.partition(":")
            headers.append((hname.strip(), hvalue.strip()))
        elif name in ("--user", "--http-user", "--password", "--http-password"):
            headers.append(("Authorization", "Basic ***"))
        elif name in ("--post-data", "--body-data"):
            parts.append((value.text, value.dynamic))
            post = post or name == "--post-data"
        elif name in ("--post-file", "--body-file"):
            post = post or name == "--post-file"
            if value.dynamic:
                parts.append(("", True))
            else:
                parts.append(_file_text(value.text, ctx, "wget request body"))
    body, body_dynamic = _body_from_parts(parts)
    if method is None:
        method = "POST" if post else "GET"
    reqs = []
    for u in urls:
        req = Request("wget", method, u.text, headers, body, body_dynamic)
        req.method_dynamic = method_dynamic
        reqs.append(req)
    return reqs


# ---- HTTPie / xh ---------------------------------------------------------------------------------------------------
_HTTPIE_LONG_VALUE = frozenset("""
--auth --auth-type --output --session --session-read-only --verify --cert --cert-key --cert-key-pass --proxy
--timeout --max-redirects --pretty --style --print --history-print --format-options --boundary --default-scheme
--ssl --ciphers --raw --response-charset --response-mime --max-headers --http-version --bearer --resolve --interface
--unix-socket --method
""".split())
_HTTPIE_SHORT_VALUE = frozenset("aAospP")
_HTTPIE_SEPARATORS = (":=@", "=@", "==", ":=", "=", "@", ":", ";")
_HTTP_METHOD_WORD = re.compile(r"[A-Za-z]+")


def _httpie_item(text):
    """Split a request item at its first separator (HTTPie's rule), honouring backslash escapes."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        for sep in _HTTPIE_SEPARATORS:
            if text.startswith(sep, i):
                return text[:i].replace("\\", ""), sep, text[i + len(sep):]
        i += 1
    return None


def httpie(cmd, ctx):
    req = _guarded(_httpie_request, cmd, ctx, cmd.name)
    if req is not None:
        _guarded(_judge, req, ctx, cmd.name)


def _httpie_request(cmd, ctx):
    import json
    opts = _split_options(list(cmd.args), _HTTPIE_SHORT_VALUE, _HTTPIE_LONG_VALUE, {})
    positionals = [v for n, v in opts if n is None]
    flags = {n for n, _v in opts if n is not None}
    if "--offline" in flags or not positionals:
        return None        # --offline only prints the request it would send
    raw = next((v for n, v in opts if n == "--raw" and v is not None), None)
    form = bool(flags & {"--form", "-f", "--multipart"})
    method, method_dynamic = None, False
    first = positionals[0]
    if len(positionals) >= 2 and not first.dynamic and _HTTP_METHOD_WORD.fullmatch(first.text) \
            and first.text.lower() != "localhost":
        method, positionals = first.text.upper(), positionals[1:]
    url = positionals[0]
    url_text = url.text
    if url_text.startswith(":"):
        url_text = "localhost" + url_text     # HTTPie's `:3000/x` shorthand
    headers, fields, dynamic = [], {}, False
    has_data = False
    for item in positionals[1:]:
        got = _httpie_item(item.text)
        if got is None:
            continue
        key, sep, value = got
        dynamic = dynamic or item.dynamic
        if sep in (":", ";"):
            headers.append((key, value))
        elif sep == "==":
            continue
        elif sep == "@":
            has_data = True     # a file upload (multipart)
        else:
            has_data = True
            if sep in ("=@", ":=@"):
                text, fdyn = _file_text(value, ctx, "%s request field" % cmd.name) if not item.dynamic else ("", True)
                value, dynamic = text or "", dynamic or fdyn
            if sep.startswith(":="):
                try:
                    fields[key] = json.loads(value)
                except ValueError:
                    fields[key] = value
            else:
                fields[key] = value
    if "--bearer" in flags:
        headers.append(("Authorization", "Bearer ***"))
    if "--auth" in flags or "-a" in flags:
        headers.append(("Authorization", "Basic ***"))
    body = None
    if raw is not None:
        body, dynamic, has_data = raw.text, dynamic or raw.dynamic, True
    elif fields:
        if form:
            from urllib.parse import urlencode
            body = urlencode({k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()})
        else:
            body = json.dumps(fields)
    elif cmd.stdin is not None and not flags & {"--ignore-stdin", "-I"}:
        text, sdyn = _stdin_text(cmd, ctx, "%s request body" % cmd.name)
        body, dynamic, has_data = text, dynamic or sdyn, True
    if method is None:
        method = "POST" if has_data else "GET"
    req = Request(cmd.name, method, url_text, headers, body, dynamic)
    req.method_dynamic = method_dynamic
    return req


# ---- gh api --------------------------------------------------------------------------------------------------------
_GH_SHORT_VALUE = frozenset("XFfHpqtR")
_GH_LONG_VALUE = frozenset({"--method", "--field", "--raw-field", "--header", "--input", "--hostname", "--preview",
                            "--jq", "--template", "--cache", "--repo"})
_GH_SHORT = {"-X": "--method", "-F": "--field", "-f": "--raw-field", "-H": "--header", "-p": "--preview",
             "-q": "--jq", "-t": "--template", "-R": "--repo"}


def gh_api(cmd, ctx):
    req = _guarded(_gh_request, cmd, ctx, "gh api")
    if req is not None:
        _guarded(_judge, req, ctx, "gh api")


def _gh_request(cmd, ctx):
    import json
    args = list(cmd.args)
    if not args or args[0].dynamic or args[0].text != "api":
        return None            # only `gh api …` carries a request; other gh commands are matched by rules
    opts = _split_options(args[1:], _GH_SHORT_VALUE, _GH_LONG_VALUE, _GH_SHORT)
    endpoint = next((v for n, v in opts if n is None), None)
    if endpoint is None:
        return None
    method, method_dynamic, host = None, False, "github.com"
    headers, fields, field_dynamic, body, body_dynamic, has_params = [], {}, {}, None, False, False
    for name, value in opts:
        if value is None or name is None:
            continue
        if name == "--method":
            method, method_dynamic = value.text.upper(), value.dynamic
        elif name == "--hostname" and not value.dynamic:
            host = value.text
        elif name == "--header":
            hname, _, hvalue = value.text.partition(":")
            headers.append((hname.strip(), hvalue.strip()))
        elif name in ("--field", "--raw-field"):
            has_params = True
            key, _, v = value.text.partition("=")
            dyn = value.dynamic
            if name == "--field" and v.startswith("@"):   # -F key=@file reads the file, @- reads stdin
                if dyn:
                    v = ""
                else:
                    text, dyn = (_stdin_text(cmd, ctx, "gh api field") if v == "@-"
                                 else _file_text(v[1:], ctx, "gh api field"))
                    v = text or ""
            fields[key], field_dynamic[key] = v, dyn
        elif name == "--input":
            has_params = True
            if value.dynamic:
                body_dynamic = True
            else:
                body, body_dynamic = (_stdin_text(cmd, ctx, "gh api --input") if value.text == "-"
                                      else _file_text(value.text, ctx, "gh api --input"))
    if method is None:
        method = "POST" if has_params else "GET"
    ep = endpoint.text
    if ep == "graphql" and not endpoint.dynamic:
        url = "https://api.github.com/graphql" if host == "github.com" else "https://%s/api/graphql" % host
        others_dynamic = any(d for k, d in field_dynamic.items() if k != "query")
        req = Request("gh", method, url, headers, body, body_dynamic or others_dynamic)
        if "query" in fields:
            variables = {k: v for k, v in fields.items() if k not in ("query", "operationName")}
            req.docs = [(fields["query"], variables, field_dynamic["query"])]
    else:
        api = "https://api.github.com/" if host == "github.com" else "https://%s/api/v3/" % host
        url = ep if "://" in ep else api + ep.lstrip("/")
        if body is None and fields and method not in _READ_METHODS:
            body = json.dumps(fields)
        req = Request("gh", method, url, headers, body, body_dynamic or any(field_dynamic.values()))
    req.method_dynamic = method_dynamic
    return req


# ---- railway api ---------------------------------------------------------------------------------------------------
_RAILWAY_LONG_VALUE = frozenset({"--file", "--variables", "--var", "--raw-var", "--operation-name"})


def railway_api(cmd, ctx):
    req = _guarded(_railway_request, cmd, ctx, "railway api")
    if req is not None:
        _guarded(_judge, req, ctx, "railway api")


def _railway_request(cmd, ctx):
    import json
    args = list(cmd.args)
    if not args or args[0].dynamic or args[0].text != "api":
        return None            # `railway volume delete` and friends are matched by the railway rules
    opts = _split_options(args[1:], frozenset("f"), _RAILWAY_LONG_VALUE, {"-f": "--file"})
    positionals = [v for n, v in opts if n is None]
    if positionals and not positionals[0].dynamic and positionals[0].text in ("schema", "search", "describe"):
        return None            # introspection: read-only
    doc, dynamic, variables = None, False, {}
    file_arg = next((v for n, v in opts if n == "--file" and v is not None), None)
    if positionals:
        doc, dynamic = positionals[0].text, positionals[0].dynamic
    elif file_arg is not None:
        if file_arg.dynamic:
            doc, dynamic = "", True
        else:
            doc, dynamic = (_stdin_text(cmd, ctx, "railway api document") if file_arg.text == "-"
                            else _file_text(file_arg.text, ctx, "railway api document"))
    elif cmd.stdin is not None:
        doc, dynamic = _stdin_text(cmd, ctx, "railway api document")
    else:
        return None            # no document: railway prints its usage
    if doc is None and not dynamic:
        return None            # an unreadable file, already reported as such
    for name, value in opts:
        if value is None:
            continue
        if name == "--variables" and not value.dynamic:
            raw = value.text
            if raw.startswith("@"):
                raw = _file_text(raw[1:], ctx, "railway api variables")[0] if raw != "@-" else None
            try:
                got = json.loads(raw) if raw else {}
                if isinstance(got, dict):
                    variables.update(got)
            except ValueError:
                pass
        elif name in ("--var", "--raw-var"):
            key, _, v = value.text.partition("=")
            if name == "--var":
                try:
                    v = json.loads(v)
                except ValueError:
                    pass
            variables[key.strip()] = v
    req = Request("railway", "POST", RAILWAY_ENDPOINT, [("Authorization", "***")], None, False)
    req.docs = [(doc or "", variables, dynamic)]
    return req
