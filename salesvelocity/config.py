"""Settings: command-line options > ``SALESVELOCITY_*`` environment variables > ``salesvelocity.toml`` > defaults."""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from salesvelocity.errors import ConfigError

CONFIG_FILE = "salesvelocity.toml"


class Settings(BaseSettings):
    """Everything configurable, with its default."""

    model_config = SettingsConfigDict(env_prefix="SALESVELOCITY_", toml_file=CONFIG_FILE, extra="forbid")

    db: str = Field("salesvelocity.duckdb", description="database URL or path to a DuckDB file")
    currency: str = Field("EUR", description="currency shown when a deal has none")
    language: str = Field("en", description="language of the terminal, HTML and CSV/JSON labels: en or nl")
    csv_locale: str = Field("en", description="CSV for this locale's spreadsheet: en (, and 1.5) or nl (; and 1,5)")
    timezone: str = Field(
        "UTC", description="reporting time zone, an IANA name such as Europe/Amsterdam: days and periods are cut in it"
    )
    lock_wait_seconds: float = Field(
        30.0, ge=0, description="how long a command waits while another one holds the DuckDB file"
    )
    memory_limit: str | None = Field(
        None,
        description="memory DuckDB may hold for queries before it spills to disk, e.g. 8GB "
        "[default: 3GB, or 80% of the machine's memory when that is less]",
    )
    pulse_min_respondents: int = Field(5, ge=3, description="k: pulse results need at least k respondents")
    pulse_key_file: str = Field(
        "salesvelocity-pulse.key",
        description="file holding the key that makes pulse respondent tokens (kept outside the database, mode 0600)",
    )
    base_url: str | None = Field(None, description="the web app's address as people open it, for links in e-mails")
    smtp_host: str | None = Field(None, description="mail server for e-mail notifications [default: none sent]")
    smtp_port: int = Field(25, description="mail server port (587 with smtp_starttls)")
    smtp_starttls: bool = Field(False, description="upgrade the mail connection with STARTTLS")
    smtp_user: str | None = Field(None, description="mail server login, if it needs one")
    smtp_password: str | None = Field(None, description="mail server password (better in SALESVELOCITY_SMTP_PASSWORD)")
    smtp_from: str = Field("salesvelocity@localhost", description="sender address of notification e-mails")
    webhook_url: str | None = Field(
        None, description="Slack or Microsoft Teams incoming webhook: kudos are posted there [default: none]"
    )
    pulse_questions: dict[str, str] | None = Field(
        None, description="question id → text; 1–5 scale, except `enps` (0–10) [default: the built-in set]"
    )

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"{value!r} is not a currency code; use three letters such as EUR, USD or GBP")
        return code

    @field_validator("memory_limit")
    @classmethod
    def _memory_size(cls, value: str | None) -> str | None:
        if value is None:
            return None
        size = value.strip().replace(" ", "")
        if not re.fullmatch(r"\d+(\.\d+)?([KMGT]i?B)", size, flags=re.IGNORECASE):
            raise ValueError(f"{value!r} is not a memory size; write it like 512MB, 3GB or 16GiB")
        return size.upper().replace("IB", "iB")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from salesvelocity.clock import zone_name

        return zone_name(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(**overrides: object) -> Settings:
    """Read the settings; ``overrides`` (command-line options) win where not None."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(
            f"invalid settings: {problems}",
            hint=f"check {Path(CONFIG_FILE).resolve()} and SALESVELOCITY_* environment variables",
        ) from exc
    except Exception as exc:  # a malformed TOML file
        raise ConfigError(f"cannot read {CONFIG_FILE}: {exc}", hint="fix the TOML syntax") from exc


#: What an admin may change in the web app (the rest — database, mail server, secrets — stays in the file).
EDITABLE = ("pulse_min_respondents", "timezone", "currency", "language", "pulse_questions")
_QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def set_by_environment(key: str) -> str | None:
    """The environment variable that sets ``key`` (and so wins over the file), if there is one."""
    name = f"SALESVELOCITY_{key.upper()}"
    return name if name in os.environ else None


def parse_questions(text: str) -> dict[str, str]:
    """Pulse questions written one per line as ``id: text`` (the form of the admin's settings page)."""
    questions: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, words = line.partition(":")
        key, words = key.strip().lower(), " ".join(words.split())
        if not sep or not words:
            raise ConfigError(f"pulse questions, line {number}: {line.strip()!r} has no text", hint="write `id: text`")
        if not _QUESTION_ID.match(key):
            raise ConfigError(
                f"pulse questions, line {number}: {key!r} is not a question id",
                hint="an id is lower-case letters, digits and _, starting with a letter (e.g. `support`)",
            )
        if key in questions:
            raise ConfigError(f"pulse questions, line {number}: {key!r} is there twice", hint="keep one")
        questions[key] = words
    if not questions:
        raise ConfigError("no pulse questions", hint="write at least one line `id: text`")
    return questions


def save_settings(current: Settings, changes: dict[str, object], path: Path | None = None) -> Settings:
    """Write ``changes`` into the settings file (comments and other keys kept) and return the settings with
    them applied. Checked first as a whole: nothing is written when one value is wrong; a key that an
    environment variable sets is refused (the file would not win over it)."""
    import tomlkit

    path = path or Path(CONFIG_FILE)
    for key in changes:
        if key not in EDITABLE:
            raise ConfigError(f"{key} cannot be changed here", hint=f"set it in {path.resolve()}")
    try:
        updated = Settings.model_validate(current.model_dump() | changes)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid settings: {problems}", hint="correct the value and save again") from exc
    changes = {k: getattr(updated, k) for k in changes if getattr(updated, k) != getattr(current, k)}
    for key in changes:
        if variable := set_by_environment(key):
            raise ConfigError(f"{key} is set by the environment variable {variable}", hint="change or unset it there")
    if not changes:
        return current
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    except Exception as exc:
        raise ConfigError(f"cannot read {path.resolve()}: {exc}", hint="fix the TOML syntax, then save again") from exc
    for key, value in changes.items():
        if isinstance(value, dict):
            table = tomlkit.table()
            for k, v in value.items():
                table.add(k, v)
            document[key] = table
        else:
            document[key] = value
    from salesvelocity.writing import write_file

    mode = path.stat().st_mode & 0o777 if path.exists() else None
    write_file(path, tomlkit.dumps(document), force=True)
    if mode is not None:  # it may hold a mail password: keep it as private as it was
        os.chmod(path, mode)
    return updated
