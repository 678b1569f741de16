"""The template environment: where templates are found, how they are rendered, and the
filters they use. A user's template folder is searched before the packaged templates."""

from __future__ import annotations

from pathlib import Path

from ..errors import TemplateError, UsageError, display_path
from ..i18n import _, translations
from ..markup import Md, md_escape


def template_dir() -> Path:
    """The packaged templates (installed: kvp_audit/templates; checkout: templates/)."""
    here = Path(__file__).resolve().parent.parent  # the kvp_audit package
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "office.html.j2").is_file():
            return candidate
    return here / "templates"


def source_lang_attr(checklist, lang: str):
    """' lang="nb"' for elements holding the checklist's own text when the report is in
    another language (WCAG 3.1.2, language of parts); empty when they are the same."""
    from markupsafe import Markup, escape

    text_lang = (checklist.language or "nb").strip()
    return Markup("") if text_lang == lang else Markup(f' lang="{escape(text_lang)}"')



def environment(user_templates: Path | None, lang: str):
    """A Jinja environment: the user's folder first, then the packaged templates.

    The packaged templates can also be reached as ``default/<name>``, so a user template
    can extend the default one and replace a single block. HTML templates escape every
    value for HTML; Markdown templates (``*.md.j2``) escape every value for Markdown
    (:func:`~kvp_audit.markup.md_escape`), except text that is sanitised Markdown already.
    """
    import jinja2

    loaders = []
    if user_templates is not None:
        if not user_templates.is_dir():
            raise UsageError(_("fant ikke malmappen '{path}'").format(path=display_path(user_templates)))
        loaders.append(jinja2.FileSystemLoader(str(user_templates)))
    default = jinja2.FileSystemLoader(str(template_dir()))
    loaders.append(default)
    loader = jinja2.ChoiceLoader([*loaders, jinja2.PrefixLoader({"default": default})])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "html.j2"),
                                            disabled_extensions=("md.j2", "md"),
                                            default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["md_escape"] = md_escape
    # A Markdown macro's output (letter.md.j2), its values escaped inside it: printed as it is.
    env.filters["md"] = Md
    # Markdown templates print through an overlay that escapes every value for Markdown; the
    # HTML templates pay nothing for it.
    env.markdown = env.overlay(finalize=md_escape)  # type: ignore[attr-defined]
    return env


def render(env, name: str, context: dict) -> str:
    """Render one template; a template error names the template file and line."""
    import jinja2

    if name.endswith(".md.j2"):
        env = getattr(env, "markdown", env)
    try:
        template = env.get_template(name)
        return template.render(**context)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or exc.name or name
        raise TemplateError(_("feil i malen {file}, linje {line}: {error}").format(
            file=display_path(where) if where else name, line=exc.lineno, error=exc.message)) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(_("malen {file} bruker en verdi som ikke finnes, linje {line}: {error}").format(
            file=name, line=_template_line(exc, name), error=exc.message)) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(_("fant ikke malen {name}").format(name=exc.name)) from None


def _template_line(exc: BaseException, name: str) -> str:
    import traceback

    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2") or frame.filename == "<template>":
            return str(frame.lineno)
    return "?"


