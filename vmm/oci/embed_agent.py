#!/usr/bin/env python3
# Build step: turn vmm/oci/agent.sh into a C header holding it as one string,
# oci_agent_sh, which `kvmini oci create` writes into the container's share.
# usage: embed_agent.py agent.sh oci_agent_sh.h
import sys

text = open(sys.argv[1], encoding="utf-8").read()
lines = []
for line in text.splitlines(keepends=True):
    esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    lines.append('\t"' + esc + '"')
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write("/* Generated from vmm/oci/agent.sh by vmm/oci/embed_agent.py: do not edit. */\n")
    out.write("static const char oci_agent_sh[] =\n" + "\n".join(lines) + ";\n")
