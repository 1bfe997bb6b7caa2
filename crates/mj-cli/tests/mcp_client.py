#!/usr/bin/env python3
"""A stdio MCP client in plain Python (standard library only), for `mj mcp`.

It speaks the protocol the way a third-party client does: newline-delimited JSON-RPC 2.0
on the server's stdin and stdout. It initializes, lists the tools, runs `imagine` with a
progress token until the task is done, and checks that the saved files exist.

    python3 mcp_client.py MJ_BINARY OUT_DIR

Prints one JSON object on success; exits non-zero with a message otherwise.
"""

import json
import os
import subprocess
import sys


def main():
    binary, out = sys.argv[1], sys.argv[2]
    env = dict(os.environ)
    for var in ("MJ_BASE_URL", "MJ_CONFIG", "MJ_API_KEY"):
        env.pop(var, None)
    server = subprocess.Popen(
        [binary, "mcp", "--out", out],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        text=True,
        bufsize=1,
    )
    next_id = [0]
    progress = []

    def send(message):
        server.stdin.write(json.dumps(message) + "\n")
        server.stdin.flush()

    def request(method, params):
        next_id[0] += 1
        send({"jsonrpc": "2.0", "id": next_id[0], "method": method, "params": params})
        while True:
            line = server.stdout.readline()
            if not line:
                raise SystemExit("mj mcp closed stdout before answering " + method)
            message = json.loads(line)
            if message.get("method") == "notifications/progress":
                progress.append(message["params"])
                continue
            if message.get("id") == next_id[0]:
                if "error" in message:
                    raise SystemExit(method + " failed: " + json.dumps(message["error"]))
                return message["result"]

    init = request(
        "initialize",
        {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "mj-python-test", "version": "1"},
        },
    )
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    tools = request("tools/list", {})["tools"]
    names = [tool["name"] for tool in tools]
    if "imagine" not in names:
        raise SystemExit("no imagine tool: " + ", ".join(names))
    result = request(
        "tools/call",
        {
            "name": "imagine",
            "arguments": {"prompt": "a red fox in the snow", "request_id": "python-1", "timeout_s": 120},
            "_meta": {"progressToken": "fox"},
        },
    )
    if result.get("isError"):
        raise SystemExit("imagine failed: " + json.dumps(result))
    task = json.loads(result["content"][0]["text"])
    if task.get("status") != "SUCCESS":
        raise SystemExit("imagine did not finish: " + json.dumps(task))
    missing = [path for path in task.get("files", []) if not os.path.isfile(path)]
    if not task.get("files") or missing:
        raise SystemExit("files missing: " + json.dumps(task))
    server.stdin.close()
    server.wait(timeout=30)
    print(
        json.dumps(
            {
                "server": init["serverInfo"]["name"],
                "protocol": init["protocolVersion"],
                "tools": names,
                "task": task["task"],
                "files": task["files"],
                "progress": len(progress),
            }
        )
    )


if __name__ == "__main__":
    main()
