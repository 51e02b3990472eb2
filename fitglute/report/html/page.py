"""The page shell every HTML report shares: one inline stylesheet, no script, no external resource.

Why no script and no fonts: the page must open offline, from a mail attachment or a USB stick,
and print the same everywhere; system fonts and inline SVG do that. Every string that came from
a file, a log or the runner (device names, notes) goes through :func:`esc` before it lands here.
"""

from __future__ import annotations

from html import escape

from fitglute import __version__
from fitglute.model.safety import RED_FLAGS

NOT_A_DIAGNOSIS = "Hypotheses from running dynamics, not a diagnosis."

CSS = """
:root{--ink:#1a1a1a;--dim:#5a5a5a;--line:#d0d0d0;--ok:#009E73;--warn:#D55E00}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:#fff;max-width:960px;margin:0 auto;padding:16px 20px 40px}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid var(--line)}
h3{font-size:1em;margin:.8em 0 .2em}
.meta,.dim{color:var(--dim)}.small{font-size:.85em}
table{border-collapse:collapse;margin:.3em 0;font-variant-numeric:tabular-nums}
th,td{padding:2px 10px 2px 0;text-align:right;vertical-align:top}th{border-bottom:1px solid var(--line)}
th:first-child,td:first-child,td.l,th.l{text-align:left}
svg.chart{display:block;width:100%;height:auto;margin:2px 0}
svg .series{fill:none;stroke-width:1.6;stroke-linejoin:round}
svg .points{stroke-width:6;stroke-linecap:round}
svg .span{opacity:.22}svg .band{opacity:.18;fill:#009E73}
svg .grid{stroke:#e6e6e6}svg .frame{fill:none;stroke:#bbb}
svg .ref{stroke:#777;stroke-dasharray:3 3}svg .tick{stroke:#333}svg .mark{stroke-dasharray:5 3;stroke-width:1.2}
svg text{font-size:11px;fill:#444}svg .ylab{text-anchor:end}svg .xlab{text-anchor:middle}
svg .reflab{text-anchor:end;fill:#555}svg .marklab,svg .reflab{paint-order:stroke;stroke:#fff;stroke-width:3px}
svg .unit{font-weight:600;fill:#222}
.legend span{margin-right:1.2em;white-space:nowrap}.sw{display:inline-block;width:14px;height:10px;
margin-right:4px;vertical-align:baseline;border:1px solid #888}
.finding{border-left:4px solid var(--line);padding:2px 0 2px 10px;margin:.8em 0}
.grade{display:inline-block;font-weight:700;padding:0 6px;border:1px solid var(--ink);border-radius:3px}
.next{font-weight:600}.redflag{border:2px solid var(--warn);padding:6px 10px;margin-top:1.2em}
.cannot li{margin:.1em 0}
table.tests td,table.symptoms td,table.recurring td:nth-child(n+2):nth-child(-n+4),table.laps td{white-space:nowrap}
table.symptoms td:last-child{white-space:normal}.cols{display:flex;gap:20px}.cols>div{flex:1 1 0;min-width:0}
@media print{
 body{font-size:10pt;max-width:none;padding:0}
 h2{break-after:avoid}.finding,table,svg{break-inside:avoid}
 a{color:inherit;text-decoration:none}
}
"""

PRINT_CSS = """
@page{margin:8mm 10mm}
@media print{body{font-size:8pt;line-height:1.22}h1{font-size:13pt;margin:0}h2{font-size:10pt;margin:.6em 0 .15em}
 h3{margin:.3em 0 .1em}ul{margin:.2em 0;padding-left:1.4em}p{margin:.25em 0}
 td,th{padding:1px 6px 1px 0}.redflag{padding:3px 6px;margin-top:.5em}}
"""


def esc(value: object) -> str:
    """Any value as HTML text (quotes too: the same helper serves attributes)."""
    return escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, *, printable: bool = False) -> str:
    """A whole self-contained document; ``printable`` adds the one-page print layout."""
    css = CSS + (PRINT_CSS if printable else "")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="fitglute {esc(__version__)}">'
        # nothing on this page may ask the network for anything (no image, font, style or script)
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{esc(title)}</title><style>{css}</style></head><body>\n"
        f"{body}\n"
        f'<p class="redflag" role="note"><strong>Red flags.</strong> {esc(RED_FLAGS)}</p>\n'
        f'<p class="dim small">{esc(NOT_A_DIAGNOSIS)} Made by fitglute {esc(__version__)}.</p>\n'
        "</body></html>\n"
    )


def table(head: list[str], rows: list[list[str]], *, cls: str = "", text_cols: str = "") -> str:
    """A table from already-escaped cells (callers escape: some cells hold markup).

    Numbers are right-aligned; ``text_cols`` marks with ``l`` the columns of words (``"ll.l"``).
    """
    attr = f' class="{cls}"' if cls else ""

    def cell(tag: str, i: int, c: str) -> str:
        left = ' class="l"' if i < len(text_cols) and text_cols[i] == "l" else ""
        return f"<{tag}{left}>{c}</{tag}>"

    out = [f"<table{attr}><thead><tr>", *(cell("th", i, h) for i, h in enumerate(head)), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def legend(items: list[tuple[str, str]]) -> str:
    """Swatch + words, for what the colours and shades of a chart mean."""
    spans = "".join(f'<span><i class="sw" style="background:{c}"></i>{esc(t)}</span>' for t, c in items)
    return f'<p class="legend small">{spans}</p>'
