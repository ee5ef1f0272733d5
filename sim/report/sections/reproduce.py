"""How to reproduce the batch: its command, seed, versions, scenario files and manifest."""

from __future__ import annotations

import html
import json

from sim.report.page import Page, section


def reproduce_section(page: Page) -> str:
    m = page.results.manifest
    ident = m["identity"]
    facts = [
        (page.t("seed"), ident["seed"]),
        (page.t("replications"), ident["replications"]),
        (page.t("code_version"), ident["code_version"]),
        (page.t("status"), m.get("status", "")),
        (page.t("versions"), ", ".join(f"{k} {v}" for k, v in m.get("versions", {}).items())),
    ]
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in facts
    )
    users: dict[tuple[str, str], list[str]] = {}
    for name in page.results.scenarios:
        for path, text in m.get("scenario_files", {}).get(name, {}).items():
            users.setdefault((path, text), []).append(name)
    files = [
        f"<details><summary>{html.escape(path)} <small>({page.t('used_by')}: "
        f"{html.escape(', '.join(names))})</small></summary><pre>{html.escape(text)}</pre></details>"
        for (path, text), names in users.items()
    ]
    manifest = json.dumps(m, indent=2, ensure_ascii=False, default=str)
    body = (
        f"<pre class='command'>{html.escape(m.get('command', ''))}</pre>"
        f"<table class='facts'>{rows}</table>"
        f"<h3>{page.t('scenario_files')}</h3>{''.join(files)}"
        f"<details><summary>{page.t('manifest')}</summary><pre>{html.escape(manifest)}</pre></details>"
    )
    return section("reproduce", page.t("reproduce"), page.t("reproduce_note"), body)
