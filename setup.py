"""Which files the wheel carries; the rest of the metadata is in pyproject.toml. The `app` and `ui` packages, and
`resources/` (fonts, the extreme-word list, the sample catalogue and its pictures, the interface's compiled
English catalogue, the guests' join page) installed as the `anchor_console_resources` folder beside them, where
`app.config.resource_dir` finds it."""

from setuptools import find_packages, setup

RESOURCES = "anchor_console_resources"
DATA = {  # resources/ folder → the files it ships
    "": [], "fonts": ["*.otf", "*.txt"], "compliance": ["*.txt"], "sample": ["*.csv", "*.json"],
    "sample.images": ["*.png"], "i18n": ["*.qm"], "guest": ["*.html", "*.js"],
}

setup(
    packages=find_packages(include=["app", "app.*", "ui", "ui.*"])
    + [f"{RESOURCES}.{folder}" if folder else RESOURCES for folder in DATA],
    package_dir={RESOURCES: "resources"},
    package_data={"app.store.migrations": ["*.mako"],
                  **{f"{RESOURCES}.{folder}" if folder else RESOURCES: files for folder, files in DATA.items()}},
)
