"""HTTP and GraphQL payloads (issue 3): curl, wget, HTTPie/xh, `gh api`, `railway api`, and analyze_request.

The PocketOS call and every spelling of it must be stopped as critical; the benign neighbours (queries to the same
endpoint, plain downloads, local POSTs, `gh api` reads) must be allowed; no credential may reach a fact or the
`check --json` output; and graphql-core must not be imported for requests that carry no GraphQL.

Nothing here executes a command: inputs are Python strings handed to `analyze` (which only parses) or to
`agentsh check` (which only analyzes).
"""
import json
import os
import subprocess
import sys

import pytest

from agentsh.payloads import http as http_mod

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AGENTSH = os.path.join(os.path.dirname(sys.executable), "agentsh")

INCIDENT = ('curl -X POST https://backboard.railway.app/graphql/v2 -H "Authorization: Bearer $TOKEN" '
            '-d \'{"query":"mutation { volumeDelete(volumeId: \\"3d2c42fb\\") }"}\'')
HTTP_KINDS = ("graphql:", "http:")


def rules_of(d):
    return sorted({f.rule for f in d.findings})


def http_facts(d):
    return [f for f in d.facts if f.kind.startswith(HTTP_KINDS)]


def assert_critical_mutation(d, field, railway_volume=False):
    ids = rules_of(d)
    assert "http.graphql-mutation-delete" in ids, "%r: %s" % (d.command, ids)
    assert any(f.kind == "graphql:mutation-delete" and f.target == field for f in d.facts), d.facts
    if railway_volume:
        assert "http.railway-volume-delete" in ids
    assert d.decision == "confirm"            # critical, locally


# ---- the incident, in every spelling ----------------------------------------------------------------------------
VOLUME_DELETE_SPELLINGS = [
    INCIDENT,
    INCIDENT.replace("-X POST", "-XPOST"),
    INCIDENT.replace("-X POST", "--request=POST"),
    INCIDENT.replace("-X POST", "--request POST"),
    INCIDENT.replace("-X POST ", ""),                                   # -d implies POST
    INCIDENT.replace("-X POST", "-sSX POST"),
    INCIDENT.replace("backboard.railway.app", "backboard.railway.com"),
    INCIDENT.replace(" -d ", " --data-raw "),
    INCIDENT.replace(" -d ", " --data-binary "),
    INCIDENT.replace(" -d ", " --json "),
    # the body in a variable assigned earlier on the line
    'Q=\'{"query":"mutation{volumeDelete(volumeId:\\"x\\")}"}\'; curl -d "$Q" https://backboard.railway.com/graphql/v2',
    # stdin: quoted heredoc, here-string, pipe
    "curl --data-binary @- https://backboard.railway.app/graphql/v2 <<'EOF'\n"
    '{"query":"mutation { volumeDelete(volumeId: \\"x\\") }"}\nEOF',
    "curl -H 'Content-Type: application/json' --data-binary @- https://backboard.railway.app/graphql/v2 <<< "
    '\'{"query":"mutation { volumeDelete(volumeId: \\"x\\") }"}\'',
    'echo \'{"query":"mutation { volumeDelete(volumeId: \\"x\\") }"}\' | curl -d @- https://backboard.railway.app/graphql/v2',
    # the raw document (application/graphql), form and query-string encodings
    "curl -X POST https://backboard.railway.app/graphql/v2 -d 'mutation { volumeDelete(volumeId: \"x\") }'",
    "curl https://backboard.railway.app/graphql/v2 --data-urlencode 'query=mutation { volumeDelete(volumeId: \"x\") }'",
    "curl 'https://backboard.railway.app/graphql/v2?query=mutation%7BvolumeDelete(volumeId:%22x%22)%7D'",
    # a named operation, an alias, a fragment spread, a variable
    "curl -d '{\"query\":\"mutation Fix { v: volumeDelete(volumeId: \\\"x\\\") }\"}' https://backboard.railway.app/graphql/v2",
    "curl -d '{\"query\":\"mutation { ...F } fragment F on Mutation { volumeDelete(volumeId: \\\"x\\\") }\"}' "
    "https://backboard.railway.app/graphql/v2",
    "curl -d '{\"query\":\"mutation($id: String!) { volumeDelete(volumeId: $id) }\",\"variables\":{\"id\":\"x\"}}' "
    "https://backboard.railway.app/graphql/v2",
    # wrappers, other clients
    "sudo " + INCIDENT,
    "bash -c " + __import__("shlex").quote(INCIDENT),
    "wget -qO- --post-data='{\"query\":\"mutation { volumeDelete(volumeId: \\\"x\\\") }\"}' "
    "https://backboard.railway.app/graphql/v2",
    "http POST https://backboard.railway.app/graphql/v2 query='mutation{volumeDelete(volumeId:\"x\")}'",
    "https backboard.railway.app/graphql/v2 query='mutation{volumeDelete(volumeId:\"x\")}'",
    "xh post https://backboard.railway.app/graphql/v2 query='mutation{volumeDelete(volumeId:\"x\")}'",
    "http -f POST https://backboard.railway.app/graphql/v2 query='mutation{volumeDelete(volumeId:\"x\")}'",
    "http --raw '{\"query\":\"mutation { volumeDelete(volumeId: \\\"x\\\") }\"}' POST https://backboard.railway.app/graphql/v2",
    "railway api 'mutation { volumeDelete(volumeId: \"x\") }'",
    "echo 'mutation { volumeDelete(volumeId: \"x\") }' | railway api",
    "railway api --file - <<'EOF'\nmutation { volumeDelete(volumeId: \"x\") }\nEOF",
]


@pytest.mark.parametrize("command", VOLUME_DELETE_SPELLINGS, ids=lambda c: c.replace("\n", "\\n")[:80])
def test_incident_spellings_are_critical(decide, command):
    d = decide(command)
    assert_critical_mutation(d, "volumeDelete", railway_volume=True)
    assert decide(command, environment="production").decision == "block"


def test_incident_body_from_file(decide, tmp_path):
    (tmp_path / "body.json").write_text('{"query":"mutation { volumeDelete(volumeId: \\"3d2c42fb\\") }"}\n')
    d = decide("curl -X POST https://backboard.railway.app/graphql/v2 -H 'Authorization: Bearer x' -d @body.json",
               cwd=str(tmp_path))
    assert_critical_mutation(d, "volumeDelete", railway_volume=True)
    d = decide("curl --data-binary @%s https://backboard.railway.com/graphql/v2" % (tmp_path / "body.json"))
    assert_critical_mutation(d, "volumeDelete", railway_volume=True)
    d = decide("cat body.json | curl -d @- https://backboard.railway.com/graphql/v2", cwd=str(tmp_path))
    assert_critical_mutation(d, "volumeDelete", railway_volume=True)


def test_document_files_for_gh_and_railway(decide, tmp_path):
    (tmp_path / "q.graphql").write_text('# clean up\nmutation {\n  projectDelete(id: "x")\n}\n')
    for command in ("railway api --file q.graphql", "railway api -f q.graphql", "railway api < q.graphql",
                    "cat q.graphql | railway api", "gh api graphql -F query=@q.graphql",
                    "curl --data-binary @q.graphql https://api.example.com/graphql",
                    "curl -d @q.graphql https://api.example.com/graphql"):
        assert_critical_mutation(decide(command, cwd=str(tmp_path)), "projectDelete")


def test_curl_config_file(decide, tmp_path):
    (tmp_path / "curl.cfg").write_text('url = "https://api.vercel.com/v9/projects/prj_1"\nrequest = DELETE\nsilent\n')
    d = decide("curl -K curl.cfg", cwd=str(tmp_path))
    assert "http.delete-platform" in rules_of(d)


@pytest.mark.parametrize("command,field", [
    ("gh api graphql -f query='mutation { deleteRepository(input: {repositoryId: \"R_1\"}) { clientMutationId } }'",
     "deleteRepository"),
    ("gh api graphql -F query='mutation { deleteRef(input: {refId: \"x\"}) { clientMutationId } }'", "deleteRef"),
    ("railway api 'mutation { projectDelete(id: \"x\") }'", "projectDelete"),
    ("railway api 'mutation { projectScheduleDelete(id: \"x\") }'", "projectScheduleDelete"),
    ("railway api 'mutation { environmentDelete(id: \"x\") }'", "environmentDelete"),
    ("railway api 'mutation { serviceDelete(id: \"x\") }'", "serviceDelete"),
    ("railway api 'mutation { deploymentStop(id: \"x\") }'", "deploymentStop"),
    ("railway api 'mutation { deploymentRemove(id: \"x\") }'", "deploymentRemove"),
    ("railway api 'mutation { volumeInstanceBackupRestore(volumeInstanceBackupId: \"b\", volumeInstanceId: \"v\") }'",
     "volumeInstanceBackupRestore"),
    ("railway api 'mutation { customDomainDelete(id: \"x\") }'", "customDomainDelete"),
    ("railway api 'mutation { projectTransfer(projectId: \"x\", input: {workspaceId: \"w\"}) }'", "projectTransfer"),
    ("railway api 'mutation { variableCollectionUpsert(input: {replace: true, variables: {}}) }'",
     "variableCollectionUpsert"),
    ("railway api 'mutation ($i: VariableCollectionUpsertInput!) { variableCollectionUpsert(input: $i) }' "
     "--variables '{\"i\": {\"replace\": true}}'", "variableCollectionUpsert"),
    ("curl -X POST https://api.fly.io/graphql -d '{\"query\":\"mutation { deleteApp(appId: \\\"a\\\") { organization { id } } }\"}'",
     "deleteApp"),
    ("curl https://hasura.example.com/v1/graphql -d '{\"query\":\"mutation { delete_users(where: {}) { affected_rows } }\"}'",
     "delete_users"),
    ("curl -F 'operations={\"query\":\"mutation { fileDestroy(id: 1) }\"}' https://api.example.com/graphql",
     "fileDestroy"),
    ("curl -d '[{\"query\":\"query { a }\"},{\"query\":\"mutation { tokenRevoke(id: 1) }\"}]' "
     "https://api.example.com/graphql", "tokenRevoke"),
])
def test_destructive_mutations(decide, command, field):
    assert_critical_mutation(decide(command), field)


def test_railway_volume_rule_is_specific(decide):
    d = decide("railway api 'mutation { projectDelete(id: \"x\") }'")
    assert "http.railway-volume-delete" not in rules_of(d)


def test_ordinary_mutation_is_a_write(decide):
    cmd = "railway api 'mutation { serviceInstanceRedeploy(serviceId: \"s\", environmentId: \"e\") }'"
    d = decide(cmd)
    assert rules_of(d) == ["http.graphql-mutation"]
    assert [(f.kind, f.target) for f in http_facts(d)] == [("graphql:mutation", "serviceInstanceRedeploy")]
    assert d.decision == "allow"
    assert decide(cmd, environment="production").decision == "confirm"


def test_fact_names_host_and_carries_the_operation(decide):
    d = decide(INCIDENT)
    (fact,) = [f for f in d.facts if f.kind == "graphql:mutation-delete"]
    assert "backboard.railway.app" in fact.detail
    assert "volumeDelete(volumeId:" in fact.payload


# ---- unparsed documents ----------------------------------------------------------------------------------------
def test_unparsed_destructive_mutation_is_high(decide):
    d = decide("curl -X POST https://api.example.com/graphql -d '{\"query\":\"mutation { projectDelete(id: \\\"x\\\" }\"}'")
    assert rules_of(d) == ["http.graphql-unparsed-mutation"]
    assert [f.target for f in d.facts if f.kind == "graphql:unparsed-mutation"] == ["projectDelete"]
    assert d.decision == "confirm"


def test_persisted_query_with_destructive_name(decide):
    d = decide("curl https://api.example.com/graphql -d "
               "'{\"operationName\":\"ProjectDelete\",\"extensions\":{\"persistedQuery\":{\"sha256Hash\":\"ab\"}}}'")
    assert "http.graphql-unparsed-mutation" in rules_of(d)


def test_json_query_field_that_is_not_graphql(decide):
    # a search API's {"query": "..."} is not GraphQL: nothing to report, and no write-platform suppression either
    d = decide("curl -X POST https://search.example.com/1/indexes/x/query -d '{\"query\":\"drop shoes\"}'")
    assert http_facts(d) == [] and d.decision == "allow"
    d = decide("curl -X POST https://x.algolia.net/1/indexes/x/query -d '{\"query\":\"shoes\"}'")
    assert [f.kind for f in http_facts(d)] == ["http:write-platform"]


# ---- benign neighbours -----------------------------------------------------------------------------------------
BENIGN = [
    "curl -X POST https://backboard.railway.app/graphql/v2 -H \"Authorization: Bearer $TOKEN\" "
    "-d '{\"query\":\"query { me { id email } }\"}'",
    "curl https://backboard.railway.com/graphql/v2 -d '{\"query\":\"{ projects { edges { node { id name } } } }\"}'",
    "railway api 'query { volume(id: \"x\") { name } }'",
    "railway api search volumeDelete",
    "railway api describe volumeDelete",
    "railway api schema",
    "railway status",
    "railway volume list",
    "curl https://example.com",
    "curl -X POST http://localhost:3000/api/x -d '{}'",
    "curl -X POST http://127.0.0.1:8080/api/items -d '{\"name\":\"x\"}'",
    "curl -fsSLo file https://example.com/file.tar.gz",
    "curl -sSfL https://example.com/install.sh -o install.sh",
    "curl -I https://api.github.com",
    "curl -G https://api.example.com/search --data-urlencode 'q=delete me'",
    "gh api repos/o/r/pulls",
    "gh api graphql -f query='query { viewer { login } }'",
    "gh api -X GET search/issues -f q='repo:o/r is:open'",
    "gh pr list",
    "gh repo view",
    "wget https://x/file.tar.gz",
    "wget -qO- https://example.com/data.json",
    "http https://api.github.com/repos/o/r",
    "http --offline DELETE https://api.heroku.com/apps/x",
    "xh :3000/health",
    "echo 'curl -X DELETE https://api.github.com/repos/o/r'",
    "echo 'mutation { volumeDelete(volumeId: \"x\") }'",
]


@pytest.mark.parametrize("command", BENIGN)
def test_benign_neighbours_allowed(decide, command):
    d = decide(command)
    assert d.decision == "allow", "%r: %s %s" % (command, rules_of(d), d.facts)
    assert http_facts(d) == []


# ---- REST ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command,host", [
    ("curl -X DELETE https://api.vercel.com/v9/projects/prj_1", "api.vercel.com"),
    ("curl -XDELETE https://api.github.com/repos/acme/app", "api.github.com"),
    ("curl --request=DELETE https://api.railway.app/v1/x", "api.railway.app"),
    ("curl -X delete https://api.cloudflare.com/client/v4/zones/z", "api.cloudflare.com"),
    ("curl --request DELETE https://sqladmin.googleapis.com/v1/projects/p/instances/db", "sqladmin.googleapis.com"),
    ("curl -X DELETE https://s3.us-east-1.amazonaws.com/bucket", "s3.us-east-1.amazonaws.com"),
    ("curl -X DELETE 'https://management.azure.com/subscriptions/s/resourcegroups/rg?api-version=2021-04-01'",
     "management.azure.com"),
    ("wget --method=DELETE https://api.hetzner.cloud/v1/servers/42", "api.hetzner.cloud"),
    ("wget --method DELETE https://api.linode.com/v4/linode/instances/1", "api.linode.com"),
    ("http DELETE https://api.heroku.com/apps/my-app", "api.heroku.com"),
    ("xh delete https://api.digitalocean.com/v2/droplets/1", "api.digitalocean.com"),
    ("https DELETE api.supabase.com/v1/projects/ref", "api.supabase.com"),
    ("curl -X DELETE https://console.neon.tech/api/v2/projects/p", "console.neon.tech"),
    ("curl -X DELETE https://api.planetscale.com/v1/organizations/o/databases/d", "api.planetscale.com"),
    ("curl -X DELETE https://api.fly.io/v1/apps/x", "api.fly.io"),
    ("gh api -X DELETE repos/acme/app/labels/bug", "api.github.com"),
    ("gh api --method=delete repos/acme/app/hooks/1", "api.github.com"),
])
def test_delete_to_platform_is_critical(decide, command, host):
    d = decide(command)
    assert "http.delete-platform" in rules_of(d)
    assert any(f.kind == "http:delete-platform" and f.target == host for f in d.facts), d.facts
    assert d.decision == "confirm"
    assert decide(command, environment="production").decision == "block"


@pytest.mark.parametrize("command,host", [
    ("curl -X DELETE http://localhost:9200/orders", "localhost"),
    ("curl -X DELETE http://127.0.0.1:8001/api/v1/namespaces/prod", "127.0.0.1"),
    ("curl -X DELETE 'http://[::1]:8080/x'", "::1"),
    ("curl -XDELETE localhost:9200/_all", "localhost"),
    ("curl -X DELETE https://internal.example.com/api/users/7", "internal.example.com"),
    ("http DELETE :3000/api/items/1", "localhost"),
    ("curl -X DELETE \"$API_URL/items/1\"", "(unknown host)"),
])
def test_delete_elsewhere_is_high(decide, command, host):
    d = decide(command)
    assert rules_of(d) == ["http.delete"], rules_of(d)
    assert [(f.kind, f.target) for f in http_facts(d)] == [("http:delete", host)]
    assert d.decision == "confirm"


@pytest.mark.parametrize("command,method", [
    ("curl -X PATCH https://api.heroku.com/apps/a/config-vars -d '{\"DEBUG\":null}'", "PATCH"),
    ("curl -X PUT https://api.cloudflare.com/client/v4/zones/z/settings/ssl -d '{\"value\":\"off\"}'", "PUT"),
    ("curl https://api.vercel.com/v10/projects/p/env -d '{\"key\":\"A\"}'", "POST"),
    ("curl -T file.txt https://storage.googleapis.com/upload/b/o", "PUT"),
    ("curl -F file=@build.zip https://api.netlify.com/api/v1/sites/s/deploys", "POST"),
    ("wget --post-data='{}' https://api.render.com/v1/services/s/deploys", "POST"),
    ("http PUT https://api.github.com/repos/o/r/topics names:='[\"x\"]'", "PUT"),
    ("http https://api.github.com/repos/o/r/issues title=x", "POST"),
    ("gh api repos/o/r/issues -f title=x", "POST"),
    ("gh api -X PATCH repos/acme/app -F archived=true", "PATCH"),
])
def test_write_to_platform(decide, command, method):
    d = decide(command)
    facts = http_facts(d)
    assert [f.kind for f in facts] == ["http:write-platform"], facts
    assert facts[0].detail.startswith(method + " ")
    assert rules_of(d) == ["http.write-platform"] or "gh.api-repo-transfer" in rules_of(d)
    assert d.decision == "allow"
    assert decide(command, environment="production").decision == "confirm"


def test_graphql_to_platform_is_not_also_a_rest_write(decide):
    d = decide("curl https://api.github.com/graphql -d '{\"query\":\"mutation { addStar(input: {starrableId: \\\"x\\\"}) "
               "{ clientMutationId } }\"}'")
    assert [(f.kind, f.target) for f in http_facts(d)] == [("graphql:mutation", "addStar")]


@pytest.mark.parametrize("command,method", [
    ("curl -X DELETE https://h.example.com/x", "DELETE"),
    ("curl -XDELETE https://h.example.com/x", "DELETE"),
    ("curl --request=DELETE https://h.example.com/x", "DELETE"),
    ("curl -sXDELETE https://h.example.com/x", "DELETE"),
    ("curl --url https://h.example.com/x -X DELETE", "DELETE"),
    ("curl -X DELETE -d x=1 https://h.example.com/x", "DELETE"),
    ("curl -d x=1 -X DELETE https://a.example.com/x https://h.example.com/y", "DELETE"),
    ("wget --method=delete -O- https://h.example.com/x", "DELETE"),
    ("http delete https://h.example.com/x", "DELETE"),
    ("curl -X DELETE https://a.example.com/x --next https://h.example.com/y", "DELETE"),
])
def test_method_spellings(decide, command, method):
    d = decide(command)
    assert http_facts(d), command
    assert all(f.detail.startswith(method + " ") for f in http_facts(d))


def test_next_resets_the_method(decide):
    d = decide("curl -X DELETE https://a.example.com/x --next https://api.github.com/repos/o/r")
    assert [f.target for f in http_facts(d)] == ["a.example.com"]


def test_get_head_and_get_flag_are_reads(decide):
    for command in ("curl -I https://api.vercel.com/v9/projects", "curl -G -d limit=1 https://api.vercel.com/v9/projects",
                    "curl --head https://api.github.com", "wget --spider https://api.github.com",
                    "http GET https://api.heroku.com/apps", "curl -X GET https://api.github.com/repos/o/r"):
        d = decide(command)
        assert http_facts(d) == [] and d.decision == "allow", (command, d.facts)


# ---- what agentsh cannot see ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("command,what", [
    ("curl -d \"$BODY\" https://api.example.com/x", "curl request body"),
    ("curl -X POST https://backboard.railway.app/graphql/v2 -d \"{\\\"query\\\": $QUERY}\"", "curl request body"),
    ("curl --data-binary @\"$F\" https://api.example.com/x", "curl request body"),
    ("curl -d @- https://api.example.com/x", "curl request body"),
    ("some-generator | curl -d @- https://api.example.com/x", "curl request body"),
    ("curl -d \"$(cat body.json)\" https://api.example.com/x", "curl request body"),
    ("curl -X \"$METHOD\" https://api.example.com/x", "curl request method"),
    ("wget --post-data=\"$D\" https://api.example.com/x", "wget request body"),
    ("http POST https://api.example.com/x name=\"$N\"", "http request body"),
    ("gh api graphql -f query=\"$Q\"", "gh GraphQL document"),
    ("railway api \"$Q\"", "railway GraphQL document"),
    ("make-query | railway api", "railway GraphQL document"),
])
def test_dynamic_payloads_are_unseen(decide, command, what):
    d = decide(command)
    assert any(f.kind == "shell:dynamic-script" and f.target == what for f in d.facts), d.facts
    assert d.decision == "confirm"


def test_dynamic_body_of_a_get_is_not_reported(decide):
    d = decide("curl -G https://api.example.com/search -d \"q=$TERM\"")
    assert not any(f.kind == "shell:dynamic-script" for f in d.facts)
    assert d.decision == "allow"


def test_dynamic_heredoc_is_still_read(decide):
    d = decide("curl --data-binary @- https://backboard.railway.app/graphql/v2 <<EOF\n"
               "{\"query\":\"mutation { volumeDelete(volumeId: \\\\\"$VID\\\\\") }\"}\nEOF")
    assert "http.railway-volume-delete" in rules_of(d)
    assert any(f.kind == "shell:dynamic-script" for f in d.facts)


def test_unreadable_body_file(decide):
    for command in ("curl -d @/nonexistent/body.json https://api.example.com/graphql",
                    "railway api --file /nonexistent/q.graphql", "curl -K /nonexistent/curl.cfg https://x.example.com",
                    "gh api graphql -F query=@/nonexistent/q.graphql", "wget --post-file=/nonexistent/b https://x.example.com"):
        d = decide(command)
        assert any(f.kind == "shell:unreadable-script" for f in d.facts), command
        assert d.decision == "confirm"


def test_oversized_body_file(decide, tmp_path):
    (tmp_path / "big.json").write_text("x" * (http_mod.MAX_BODY_BYTES + 10))
    d = decide("curl --data-binary @big.json https://api.example.com/graphql", cwd=str(tmp_path))
    assert any(f.kind == "shell:unreadable-script" for f in d.facts)
    assert d.decision == "confirm"


def test_huge_document_is_bounded(decide):
    # far more tokens than the parser's bound: no hang, and the mutation is still reported (unparsed, by name)
    doc = "mutation { projectDelete(id: \\\"x\\\") " + "a " * 120000 + "}"
    d = decide("curl -d '{\"query\":\"%s\"}' https://api.example.com/graphql" % doc)
    assert d.error is None
    assert "http.graphql-unparsed-mutation" in rules_of(d)


def test_many_large_documents_are_bounded(decide, tmp_path):
    doc = "mutation { projectDelete(id: \"x\") " + "a " * 12000 + "}"
    (tmp_path / "batch.json").write_text(json.dumps([{"query": doc}] * 38))   # just under 1 MB
    d = decide("curl --data-binary @batch.json https://api.example.com/graphql", cwd=str(tmp_path))
    assert d.error is None
    assert "http.graphql-unparsed-mutation" in rules_of(d) or "http.graphql-mutation-delete" in rules_of(d)


@pytest.mark.parametrize("command", [
    "curl", "curl -X", "curl -d", "curl --url", "curl --next", "curl -H", "curl -F", "wget", "wget --method",
    "http", "http DELETE", "xh --raw", "gh api", "gh api -X", "gh api graphql", "railway api", "railway api --file",
    "curl -d '{\"query\": 42}' https://x.example.com/graphql", "curl -d '{\"query\":\"mutation\"}' https://x.example.com/graphql",
    "curl 'http://[::1' -X DELETE", "curl -X DELETE 'http://h:notaport/x'",
])
def test_malformed_input_never_crashes(decide, command):
    d = decide(command)
    assert d.error is None
    assert not any(f.rule == "agentsh.internal-error" for f in d.findings)
    assert not any("analyzer failed" in f.detail for f in d.facts)


# ---- only `gh api` and `railway api` carry requests ---------------------------------------------------------------
@pytest.mark.parametrize("command", [
    "gh pr create --title delete --body 'mutation { volumeDelete }'", "gh issue list", "gh repo delete acme/app --yes",
    "railway up", "railway volume delete --volume x --yes", "railway variables --set A=1",
])
def test_other_gh_and_railway_commands_have_no_http_facts(decide, command):
    assert http_facts(decide(command)) == []


# ---- secrets never reach a fact, a finding or the JSON output -------------------------------------------------------
SECRET = "sk_live_SECRET"
SECRET_COMMANDS = [
    'curl -X POST https://backboard.railway.app/graphql/v2 -H "Authorization: Bearer %s" '
    '-d \'{"query":"mutation { volumeDelete(volumeId: \\"x\\") }"}\'' % SECRET,
    'curl -X DELETE https://api.stripe.com/v1/customers/cus_1 -H "Authorization: Bearer %s"' % SECRET,
    "curl -X DELETE https://api.stripe.com/v1/customers/cus_1 -u %s:" % SECRET,
    "curl -X DELETE https://api.example.com/x --oauth2-bearer %s" % SECRET,
    "curl -X DELETE https://api.example.com/x -H 'X-Api-Key: %s'" % SECRET,
    "curl -X DELETE https://user:%s@api.example.com/x" % SECRET,
    "wget --method=DELETE --header='Authorization: token %s' https://api.github.com/repos/o/r" % SECRET,
    "http DELETE https://api.heroku.com/apps/a 'Authorization:Bearer %s'" % SECRET,
    "xh --bearer %s delete https://api.heroku.com/apps/a" % SECRET,
    "gh api -X DELETE repos/o/r -H 'Authorization: token %s'" % SECRET,
    "curl -X PATCH https://api.heroku.com/apps/a -d '{\"name\":\"a\",\"api_token\":\"%s\"}'" % SECRET,
    "curl -X POST https://api.example.com/graphql -d '{\"query\":\"mutation { userDelete(id: 1, password: \\\"%s\\\") }\"}'"
    % SECRET,
]


@pytest.mark.parametrize("command", SECRET_COMMANDS, ids=range(len(SECRET_COMMANDS)))
def test_no_secret_in_facts(decide, command):
    d = decide(command)
    assert http_facts(d), "no HTTP fact for %r" % command
    for f in d.facts:
        for field in (f.target, f.detail, f.payload):
            assert SECRET not in (field or ""), (f.kind, field)
    for f in d.findings:
        # only this analyzer's findings: command rules (gh.*) quote the argv in `where` (an engine matter)
        if f.rule.startswith("http."):
            assert SECRET not in f.where and SECRET not in f.message


def test_payload_shows_header_names_not_values(decide):
    d = decide(SECRET_COMMANDS[1])
    (fact,) = [f for f in d.facts if f.kind == "http:delete-platform"]
    assert "Authorization: ***" in fact.payload
    assert fact.payload.startswith("DELETE api.stripe.com/v1/customers/cus_1")


def test_redact_masks_known_token_shapes():
    text = ("Bearer abcdefghijkl ghp_" + "a" * 36 + " xoxb-1234567890-abcdef AKIAABCDEFGHIJKLMNOP "
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig \"password\": \"hunter2\" secret_key=abc "
            "https://u:pw@h.example.com/")
    out = http_mod.redact(text)
    for secret in ("abcdefghijkl", "ghp_", "xoxb-", "AKIAABCDEFGHIJKLMNOP", "eyJhbGci", "hunter2", "=abc", ":pw@"):
        assert secret not in out, (secret, out)
    assert out.startswith("Bearer ***")


def _cli_env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_STATE_HOME": str(home / ".state"),
            "XDG_CACHE_HOME": str(home / ".cache"), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def _check_json(tmp_path, command):
    p = subprocess.run([AGENTSH, "check", "--json"], input=command + "\n", capture_output=True, text=True,
                       env=_cli_env(tmp_path), cwd=str(tmp_path), timeout=60)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    return p.stdout


def test_check_json_findings_carry_no_token(tmp_path):
    out = _check_json(tmp_path, SECRET_COMMANDS[0])
    obj = json.loads(out)
    assert "http.railway-volume-delete" in [f["rule"] for f in obj["findings"]]
    obj.pop("command")        # the echo of the input itself: see test_check_json_output_carries_no_token
    assert SECRET not in json.dumps(obj)


def test_check_json_output_carries_no_token(tmp_path):
    assert SECRET not in _check_json(tmp_path, SECRET_COMMANDS[0])


# ---- start-up budget: graphql-core only for GraphQL ------------------------------------------------------------------
def test_graphql_imported_only_for_graphql(tmp_path):
    script = (
        "import sys\n"
        "sys.path.insert(0, %r)\n"
        "from agentsh import rules\n"
        "from agentsh.analyze import analyze\n"
        "from agentsh.model import Context\n"
        "c = rules.compile_files(rules.rule_files(include_user=False))\n"
        "ctx = Context(cwd=%r, home=%r, environ={'HOME': %r}, project_root=%r)\n"
        "out = []\n"
        "for cmd in ['curl https://example.com', 'curl -X POST http://localhost:3000/api/x -d \\'{}\\'',\n"
        "            'gh api repos/o/r/pulls', 'wget https://x/file.tar.gz', 'curl -X DELETE https://api.github.com/x']:\n"
        "    analyze(cmd, ctx, c)\n"
        "    out.append('graphql' in sys.modules)\n"
        "analyze(%r, ctx, c)\n"
        "out.append('graphql' in sys.modules)\n"
        "print(out)\n"
    ) % (ROOT, str(tmp_path), str(tmp_path), str(tmp_path), str(tmp_path), INCIDENT)
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[False, False, False, False, False, True]"


# ---- analyze_request (used by interpreter analyzers through ctx.http) -------------------------------------------------
class FakeCtx:
    def __init__(self):
        self.facts, self.unseen_, self.unreadable_ = [], [], []

    def fact(self, kind, target="", detail="", payload=""):
        self.facts.append((kind, target, detail, payload))

    def unseen(self, what, reason):
        self.unseen_.append((what, reason))

    def unreadable(self, name, reason):
        self.unreadable_.append((name, reason))


def test_analyze_request_rest_and_graphql():
    ctx = FakeCtx()
    http_mod.analyze_request("delete", "https://api.vercel.com/v9/projects/p", None,
                             {"Authorization": "Bearer " + SECRET}, "python requests.delete", ctx)
    assert [(k, t) for k, t, _d, _p in ctx.facts] == [("http:delete-platform", "api.vercel.com")]
    assert SECRET not in repr(ctx.facts)
    ctx = FakeCtx()
    http_mod.analyze_request(None, "https://backboard.railway.com/graphql/v2",
                             json.dumps({"query": "mutation { volumeDelete(volumeId: \"x\") }"}),
                             ["Authorization: Bearer " + SECRET], "node fetch", ctx)
    assert [(k, t) for k, t, _d, _p in ctx.facts] == [("graphql:mutation-delete", "volumeDelete")]
    ctx = FakeCtx()
    http_mod.analyze_request("POST", None, "x", (), "python", ctx, body_dynamic=True)
    assert ctx.facts == [] and ctx.unseen_
    ctx = FakeCtx()
    http_mod.analyze_request("DELETE", None, None, (), "python", ctx)
    assert [(k, t) for k, t, _d, _p in ctx.facts] == [("http:delete", "(unknown host)")]


def test_platform_hosts():
    for host in ("backboard.railway.app", "backboard.railway.com", "api.github.com", "s3.amazonaws.com",
                 "compute.googleapis.com", "management.azure.com", "API.Vercel.com", "abc.supabase.co"):
        assert http_mod.is_platform_host(host), host
    for host in ("example.com", "localhost", "github.com.evil.example", "myapi.railway.internal", "127.0.0.1"):
        assert not http_mod.is_platform_host(host), host
