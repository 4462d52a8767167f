# The two commands of the quick start: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-clocks lint typecheck pytest bench clean \
	extract-messages update-catalogs compile-catalogs

setup: $(VENV)/.installed

# Reinstalled whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Generate sample feeds, serve them on 127.0.0.1 and run the main job into ./curator-demo/.
demo: setup
	$(BIN)/curator demo

test: lint typecheck pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/python -m pytest

# The suite again under other wall clocks (issue 13), so a test that depends on today's date,
# the time of day or the time zone fails the day it is written, not weeks later. Each clock is
# "ZONE|LOCAL START": a Saturday 23:30 in Paris two and a half hours before the spring DST change
# (every planning horizon crosses it), the Sunday 23:30 of the autumn change (the local week
# ends half an hour later; UTC is still on Sunday), and 29 February 23:30 in Los Angeles (already
# 1 March in UTC). libfaketime is preloaded with a fixed offset from the real clock rather than
# through the `faketime` wrapper: every process and subprocess (curator serve, workers) computes
# the same time and the clock keeps running, with no shared memory. The wrapper's start-at mode
# shares its clock through a semaphore that a process killed at the wrong moment (the crash and
# concurrency tests kill processes on purpose) leaves held, and every other process then hangs.
# Monotonic clocks stay real; tests/clocks/sitecustomize.py works around libfaketime's
# time.sleep. The concurrency test fires 12 queue commands here instead of 200: it is about
# locks, not dates. Each clock gets CLOCK_MINUTES at most, so a hang fails with its traceback.
CLOCKS ?= Europe/Paris|2027-03-27 23:30:00;Europe/Paris|2026-10-25 23:30:00;America/Los_Angeles|2028-02-29 23:30:00
# Chromium keeps its own clocks and does not run under a preloaded libfaketime (pages never
# load): the browser tests run under the real clock only; the web pages' dates are covered
# under every clock by tests/test_web.py.
CLOCK_TESTS ?= tests --ignore=tests/test_web_browser.py
CLOCK_MINUTES ?= 20

test-clocks: setup
	@libfaketime=$$(dpkg -L libfaketime 2>/dev/null | grep 'libfaketimeMT.so.1$$' | head -n 1); \
	  [ -n "$$libfaketime" ] || { echo "make test-clocks needs libfaketime (apt-get install faketime)"; exit 1; }; \
	  clocks='$(CLOCKS)'; IFS=';'; for clock in $$clocks; do \
	  zone=$${clock%%|*}; start=$${clock#*|}; \
	  offset=$$(( $$(TZ=$$zone date -d "$$start" +%s) - $$(date +%s) )); \
	  export TZ=$$zone LD_PRELOAD=$$libfaketime FAKETIME="$$(printf '%+d' $$offset)" FAKETIME_DONT_FAKE_MONOTONIC=1; \
	  echo "== pytest with the clock at $$start ($$zone); a process sees $$(date '+%F %T %Z')"; \
	  unset LD_PRELOAD; began=$$(date +%s); \
	  timeout --signal=INT --kill-after=60 $$(( $(CLOCK_MINUTES) * 60 )) \
	    env LD_PRELOAD=$$libfaketime PYTHONPATH=$(CURDIR)/tests/clocks CURATOR_CROWD=12 \
	    $(BIN)/python -m pytest -q -p no:cacheprovider --timeout 180 $(CLOCK_TESTS) || exit 1; \
	  echo "== $$start ($$zone): $$(( $$(date +%s) - began )) s"; \
	done

# The gettext catalogs of curator's own words (issue 16): extract the marked strings from the
# sources into a template (build/, not shipped), merge it into each curator/locale/<lang>/
# LC_MESSAGES/curator.po (new strings arrive untranslated; translate them), then compile the .mo
# files that ship in the wheel. tests/test_i18n.py fails on an untranslated or fuzzy string and
# on a .mo older than its .po.
POT := build/i18n/curator.pot
# click's own words ("Usage:", "No such option"...) come from the installed click, in the
# `click` domain that curator.cli makes the process's default gettext domain.
CLICK_POT := build/i18n/click.pot
# The browser pages' own domain (templates and the handlers' words), see curator/web/babel.cfg.
WEB_POT := curator/locale/web.pot

extract-messages: setup
	mkdir -p $(dir $(POT))
	$(BIN)/pybabel extract --mapping-file babel.cfg --no-location --no-wrap --sort-output \
	  --project curator --msgid-bugs-address "" --output-file $(POT) .
	$(BIN)/pybabel extract --no-location --no-wrap --sort-output --keyword ngettext:1,2 \
	  --project click --msgid-bugs-address "" --output-file $(CLICK_POT) \
	  "$$($(BIN)/python -c 'import click, os; print(os.path.dirname(click.__file__))')"
	$(BIN)/pybabel extract --mapping-file curator/web/babel.cfg --no-location --no-wrap \
	  --sort-output --project curator --msgid-bugs-address "" --output-file $(WEB_POT) curator/web

update-catalogs: extract-messages
	$(BIN)/pybabel update --input-file $(POT) --output-dir curator/locale --domain curator \
	  --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/pybabel update --input-file $(CLICK_POT) --output-dir curator/locale --domain click \
	  --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/pybabel update --input-file $(WEB_POT) --output-dir curator/locale --domain web \
	  --no-fuzzy-matching --ignore-obsolete --no-wrap

compile-catalogs: setup
	for domain in curator web click; do \
	  $(BIN)/pybabel compile --directory curator/locale --domain $$domain --statistics || exit 1; \
	done

# MiniLM (a benchmark baseline only) needs torch: the CPU wheel, never a multi-GB CUDA build.
bench: setup
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) curator-demo .pytest_cache .mypy_cache .ruff_cache
