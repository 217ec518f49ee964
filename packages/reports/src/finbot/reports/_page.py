"""One self-contained HTML page: plotly.js inlined once, charts and tables; no network needed."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

CHART_CLASS = "finbot-chart"

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto;
       max-width: 1200px; padding: 1rem 1.5rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
p.sub { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f6f8fa; }
tr.highlight td { background: #ffebe9; font-weight: 600; }
caption { text-align: left; color: #57606a; padding-bottom: 0.3rem; }
.note { color: #57606a; font-size: 0.85rem; }
.finbot-chart { min-height: 360px; }
"""


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


@dataclass
class Page:
    """An HTML page being built: headings, charts and tables, in order."""

    title: str
    subtitle: str = ""
    _blocks: list[str] = field(default_factory=list)
    _charts: list[str] = field(default_factory=list)

    @property
    def chart_names(self) -> tuple[str, ...]:
        """The names of the charts added so far (``chart-NAME`` is each one's div id)."""
        return tuple(self._charts)

    def heading(self, text: str) -> None:
        """A section heading."""
        self._blocks.append(f"<h2>{html.escape(text)}</h2>")

    def note(self, text: str) -> None:
        """A short explanatory paragraph."""
        self._blocks.append(f'<p class="note">{html.escape(text)}</p>')

    def chart(self, name: str, figure: go.Figure | dict[str, Any], *, height: int = 420) -> None:
        """A plotly figure; ``name`` becomes its div id (``chart-NAME``) and PNG file name.

        A figure given as a plain dict is not validated by plotly (fast for hundreds of traces).
        """
        import plotly.io as pio

        if name in self._charts:
            raise ValueError(f"chart name {name!r} used twice on one page")
        self._charts.append(name)
        layout = {"height": height, "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
                  "template": "plotly_white"}
        if isinstance(figure, dict):
            # Unvalidated dicts need the template spelled out as plotly's own validation would.
            template = pio.templates[layout.pop("template")].to_plotly_json()
            figure = {**figure, "layout": {**figure.get("layout", {}), **layout,
                                           "template": template}}
        else:
            figure.update_layout(**layout)
        fragment = pio.to_html(
            figure,
            validate=not isinstance(figure, dict),
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=f"chart-{name}",
            config={"displaylogo": False, "responsive": True},
        )
        self._blocks.append(f'<div class="{CHART_CLASS}" data-name="{name}">{fragment}</div>')

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[str]],
        *,
        caption: str = "",
        numeric: Sequence[bool] = (),
        highlight: int | None = None,
    ) -> None:
        """A table of text cells; ``numeric`` columns align right, row ``highlight`` stands out."""
        out = ["<table>"]
        if caption:
            out.append(f"<caption>{html.escape(caption)}</caption>")
        out.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>")
        for i, row in enumerate(rows):
            cls = ' class="highlight"' if i == highlight else ""
            cells = "".join(
                f'<td{" class=num" if i_col < len(numeric) and numeric[i_col] else ""}>'
                f"{html.escape(cell)}</td>"
                for i_col, cell in enumerate(row)
            )
            out.append(f"<tr{cls}>{cells}</tr>")
        out.append("</table>")
        self._blocks.append("".join(out))

    def render(self) -> str:
        """The whole page as one HTML document."""
        sub = f'<p class="sub">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)}</title>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{_STYLE}</style>"
            f'<script type="text/javascript">{_plotly_js()}</script>'
            f"</head><body><h1>{html.escape(self.title)}</h1>{sub}"
            + "\n".join(self._blocks)
            + "</body></html>\n"
        )

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` (parent directories must exist); returns the path."""
        target = Path(path)
        target.write_text(self.render(), encoding="utf-8")
        return target
