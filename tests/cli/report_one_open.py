#!/usr/bin/env python3
"""report_one_open.py FILE: writes a -oJ result of one -p- host, 198.18.1.10, for
report_chromium_test.sh: 22/tcp open, 8080-8082/tcp filtered, the other 65 531 ports closed."""
import json
import sys

with open(sys.argv[1], "w", encoding="utf-8") as f:
    for port in range(1, 65536):
        if port == 22:
            state, reason = "open", "syn-ack"
        elif 8080 <= port <= 8082:
            state, reason = "filtered", "no-response"
        else:
            state, reason = "closed", "reset"
        f.write(json.dumps({"type": "port", "host": "198.18.1.10", "proto": "tcp", "port": port, "state": state,
                            "reason": reason, "time": "2026-11-22T10:00:00Z"}) + "\n")
    f.write(json.dumps({"type": "host", "host": "198.18.1.10", "hostname": "", "status": "up", "reason": "syn-ack",
                        "complete": True, "ports_scanned": 65535, "start": "2026-11-22T10:00:00Z",
                        "end": "2026-11-22T10:00:00Z"}) + "\n")
