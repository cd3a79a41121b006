"""Whether the last dbt command ran on the profile and target this run uses.

One `target/` directory is commonly shared by several targets (`dbt build --target dev`,
then `sentinel dbt-run --target prod`): its run_results.json says nothing about the prod
tables unless the command that wrote it ran on prod. dbt records `--profile`/`--target`
in the artifact's `args` only when they were given (flag or DBT_PROFILE/DBT_TARGET), so
a missing one is resolved the way dbt resolved it: the project's `profile:`, and that
profile's default `target:` in profiles.yml, rendered with the command's own --vars.
"""

from __future__ import annotations

from typing import Any

from sqlsentinel_dbt.dbt.artifacts import BuildFlags


def foreign_build(flags: BuildFlags | None, config: Any) -> str | None:
    """None when `flags` ran on `config`'s profile and target; otherwise why not, in words.

    `config` is dbt's RuntimeConfig of this run. When the artifact does not say where it
    ran, or that cannot be worked out, the answer is a reason too: only a build known to
    be this target's may make alerts skip.
    """
    if flags is None:
        return "it does not record the profile and target it ran on (no `args`)"
    try:
        profile, target = built_on(flags, config)
    except Exception as exc:  # any failure to resolve it means: not known to be ours
        return f"cannot tell which target it ran on ({type(exc).__name__}: {exc})"
    ours = (str(config.profile_name), str(config.target_name))
    if (profile, target) == ours:
        return None
    return (
        f"it was written by a dbt command on profile {profile!r}, target {target!r}; "
        f"this run uses profile {ours[0]!r}, target {ours[1]!r}"
    )


def built_on(flags: BuildFlags, config: Any) -> tuple[str, str]:
    """The (profile, target) a dbt command with these flags ran on, in this project."""
    from dbt.config.renderer import ProfileRenderer

    renderer = ProfileRenderer(flags.vars)
    profile = flags.profile or _project_profile(config, renderer)
    target = flags.target or _default_target(config, profile, renderer)
    return profile, target


def _project_profile(config: Any, renderer: Any) -> str:
    from dbt.config.project import load_raw_project

    raw = load_raw_project(str(config.project_root)).get("profile")
    if raw is None:
        raise ValueError("dbt_project.yml names no profile")
    return str(renderer.render_value(raw))


def _default_target(config: Any, profile: str, renderer: Any) -> str:
    from dbt.config.profile import read_profile

    raw = read_profile(str(config.args.PROFILES_DIR)).get(profile)
    if not isinstance(raw, dict):
        raise ValueError(f"profiles.yml has no profile {profile!r}")
    if "target" not in raw:
        return "default"  # what dbt uses when a profile names no target
    return str(renderer.render_value(raw["target"]))
