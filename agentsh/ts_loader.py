"""Load tree-sitter and the bash grammar with as little import cost as possible.

`import tree_sitter` pulls in `typing` and `import tree_sitter_bash` pulls in `importlib.resources`: together
~20 ms, more than the whole start-up budget of the shell path. Both packages are thin wrappers around a C
extension named `_binding`, so we load the two extension modules directly from the package directories,
without running the packages' `__init__`. If that ever fails (a different layout), fall back to the public
imports: slower, never wrong.
"""
import os
import sys

_parser = None


def _load_binding(package: str):
    name = package + "._binding"
    if name in sys.modules:
        return sys.modules[name]
    # the frozen bootstrap modules are already loaded; `importlib.machinery` would cost another ~1 ms
    import _frozen_importlib as bootstrap
    import _frozen_importlib_external as external
    from _imp import extension_suffixes
    EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec = extension_suffixes(), external.ExtensionFileLoader, \
        bootstrap.ModuleSpec
    for entry in sys.path:
        d = os.path.join(entry or ".", package)
        for suffix in EXTENSION_SUFFIXES:
            path = os.path.join(d, "_binding" + suffix)
            if os.path.isfile(path):
                spec = ModuleSpec(name, ExtensionFileLoader(name, path), origin=path)
                return bootstrap._load(spec)
    raise ImportError(name)


def get_parser():
    global _parser
    if _parser is None:
        try:
            ts = _load_binding("tree_sitter")
            tsb = _load_binding("tree_sitter_bash")
        except Exception:  # pragma: no cover - layout changed; the public API still works
            import tree_sitter as ts
            import tree_sitter_bash as tsb
        _parser = ts.Parser(ts.Language(tsb.language()))
    return _parser
