"""Charts for the reports: inline SVG bar charts, each with a text alternative that holds
every figure, so a reader who cannot see the bars reads the same numbers.

A bar is the share of assessments fully met, the same figure as the count beside it
(the figure rule in :mod:`kvp_audit.present`), never the weighted result."""

from __future__ import annotations

from ..i18n import _


def theme_chart(themes: list[dict], lang: str, county_label: bool = True) -> dict:
    """An inline SVG bar chart of the themes, with its text alternative."""
    from markupsafe import Markup, escape

    # Sized for the PDF's 160 mm (svg.chart in base.html.j2): 700 units give theme names at
    # 9 pt and the figures on the bars at 8 pt, as large as the tables' text.
    bar_h, gap, label_w, width = 12, 6, 290, 700
    series = [("office", _("Kontoret") if county_label else _("Fylket"), "#1f4e79")]
    if county_label:
        series.append(("county", _("Fylket"), "#8a5a00"))
    if any(t.get("previous") for t in themes):
        series.append(("previous", _("Forrige runde"), "#5c5c5c"))
    group_h = len(series) * bar_h + gap
    height = 30 + len(themes) * group_h + 20
    title = _("Oppfylte vurderinger per tema")
    desc = _("Stolpene viser andelen oppfylte vurderinger per tema; tallene står i tabellen over.")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title chart-desc" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
             f'<title id="chart-title">{escape(title)}</title>',
             ""]  # the description, with every figure, is filled in below
    x0 = label_w
    scale_w = width - label_w - 150  # room for the count beside the longest bar
    for i, (key, label, color) in enumerate(series):
        lx = x0 + i * 150
        parts.append(f'<rect x="{lx}" y="4" width="12" height="12" fill="{color}"/>'
                     f'<text x="{lx + 16}" y="14" font-size="13" fill="#1a1a1a">{escape(label)}</text>')
    y = 30
    alt_lines = []
    for theme in themes:
        parts.append(f'<text x="0" y="{y + bar_h + 3}" font-size="14" fill="#1a1a1a">{escape(theme["title"])}</text>')
        alt = [theme["title"]]
        for i, (key, label, color) in enumerate(series):
            view = theme.get(key)
            by = y + i * bar_h
            if view and view.get("share") is not None:
                w = max(1, round(scale_w * view["share"]))
                parts.append(f'<rect x="{x0}" y="{by}" width="{w}" height="{bar_h - 2}" fill="{color}"/>')
                shown = view["percent"] or view["text"]
                parts.append(f'<text x="{x0 + w + 4}" y="{by + bar_h - 2}" font-size="12.5" fill="#1a1a1a">{escape(shown)}</text>')
                alt.append(f"{label}: {view['text']}")
            else:  # said in the bar's place, so an empty row is never read as a missing bar
                missing = view["text"] if view else _("ingen vurdert")
                parts.append(f'<text x="{x0 + 4}" y="{by + bar_h - 2}" font-size="12.5" fill="#1a1a1a">'
                             f'{escape(missing)}</text>')
                alt.append(f"{label}: {missing}")
        alt_lines.append("; ".join(alt))
        y += group_h
    parts.append("</svg>")
    parts[2] = f'<desc id="chart-desc">{escape(desc)} {escape(". ".join(alt_lines))}.</desc>'
    return {"svg": Markup("".join(parts)), "alt": alt_lines, "caption": desc}


TREND_COLORS = ["#5c5c5c", "#8a5a00", "#1f4e79", "#1e6b34", "#6b2a7a"]


def trend_chart(rows: list[dict], names: list[str]) -> dict:
    """An inline SVG chart of each theme's county result across rounds, with its description."""
    from markupsafe import Markup, escape

    bar_h, gap, label_w, width = 10, 10, 250, 700
    colors = TREND_COLORS[-len(names):] if len(names) <= len(TREND_COLORS) else TREND_COLORS * 2
    group_h = len(names) * bar_h + gap
    height = 30 + len(rows) * group_h + 10
    scale_w = width - label_w - 150
    title = _("Utvikling per tema")
    alt = []
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="trend-title trend-desc" '
             f'viewBox="0 0 {width} {height}" width="100%" class="chart">',
             f'<title id="trend-title">{escape(title)}</title>', ""]
    lx = 0
    for i, name in enumerate(names):
        parts.append(f'<rect x="{lx}" y="4" width="12" height="12" fill="{colors[i]}"/>'
                     f'<text x="{lx + 16}" y="14" font-size="11" fill="#1a1a1a">{escape(name)}</text>')
        lx += 16 + 7 * len(name) + 20
    y = 30
    for row in rows:
        parts.append(f'<text x="0" y="{y + bar_h}" font-size="12" fill="#1a1a1a">{escape(row["title"])}</text>')
        line = [row["title"]]
        for i, cell in enumerate(row["cells"]):
            by = y + i * bar_h
            if cell.get("share") is not None:
                w = max(1, round(scale_w * cell["share"]))
                parts.append(f'<rect x="{label_w}" y="{by}" width="{w}" height="{bar_h - 2}" fill="{colors[i]}"/>')
                shown = cell["percent"] or cell["text"]
                parts.append(f'<text x="{label_w + w + 4}" y="{by + bar_h - 2}" font-size="9" '
                             f'fill="#1a1a1a">{escape(shown)}</text>')
            line.append(f"{names[i]}: {cell['text']}")
        alt.append("; ".join(line))
        y += group_h
    parts.append("</svg>")
    desc = _("Stolpene viser andelen oppfylte vurderinger i fylket per tema i hver runde; tallene står i tabellen over.")
    parts[2] = f'<desc id="trend-desc">{escape(desc)} {escape(". ".join(alt))}.</desc>'
    return {"svg": Markup("".join(parts)), "caption": desc}




# The colour scale of the office × theme table: the share of assessments met, in four bands,
# light to dark as the share falls (the darkest still holds black text at more than 7:1). The
# count is always printed in the cell and the legend names the bands, so the colour never
# carries anything alone (WCAG 1.4.1). Fewer than five cases get no band: no share is shown
# for so few (the figure rule of kvp_audit.present).
SHARE_BANDS = ((90, "band-90"), (75, "band-75"), (50, "band-50"), (0, "band-0"))
BAND_FILLS = {"band-90": "#fffbd6", "band-75": "#fee391", "band-50": "#fec44f", "band-0": "#f59a3c",
              "band-few": "#ffffff"}


def share_band(met: int, counted: int, shown: bool) -> str:
    """The CSS class of a share's band ('band-75' for 75–89 %); 'band-few' when no share is
    shown (fewer than five cases)."""
    if not shown or not counted:
        return "band-few"
    percent = round(100 * met / counted)  # as the percentage would be printed
    return next(css for floor, css in SHARE_BANDS if percent >= floor)


def share_legend(minimum: int) -> list[dict]:
    """The colour scale's legend: each band's class and its words."""
    from ..present import format_percent

    def pct(n: int) -> str:
        return format_percent(n / 100)

    return [
        {"css": "band-90", "label": _("{share} eller mer").format(share=pct(90))},
        {"css": "band-75", "label": _("{low} til {high}").format(low=pct(75), high=pct(89))},
        {"css": "band-50", "label": _("{low} til {high}").format(low=pct(50), high=pct(74))},
        {"css": "band-0", "label": _("under {share}").format(share=pct(50))},
        {"css": "band-few", "label": _("færre enn {n} saker: ingen farge").format(n=minimum)},
    ]
