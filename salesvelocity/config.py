"""Settings: command-line options > ``SALESVELOCITY_*`` environment variables > ``salesvelocity.toml`` > defaults."""

from __future__ import annotations

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
