# Classroom mode: slide decks, projector figures, their tests (slides/, tools/build_slides.py).
# Included at the end of the Makefile, which defines STAMP and BIN.

# `make lab PROJECTOR=1`: every figure and explorer drawn for a projector from the start, the
# same as LAB_PROJECTOR=1 in the environment (the toggle under each lesson's setup flips it).
ifdef PROJECTOR
export LAB_PROJECTOR := $(PROJECTOR)
endif

.PHONY: slides slides-test

# One reveal.js deck per lesson in build/slides (open build/slides/index.html), from the
# website's executed notebooks (build/site-cache), executing only what that cache lacks.
# `make slides PROJECTOR=1`: figures drawn for a projector (every lesson executed once more,
# cached in build/slides-cache). `make slides SLIDES="00 04"`: two decks.
SLIDES ?=
slides: $(STAMP)
	$(BIN)/python tools/build_slides.py $(if $(filter-out 0,$(PROJECTOR)),--projector,) $(SLIDES)

# The decks and the live slideshow in headless Chromium, the projector screenshot
# (build/slides-screenshots), and every lesson's instructor notes. Chromium tests are skipped
# without Chromium, and fail with CI=true.
slides-test: $(STAMP)
	$(BIN)/python -m pytest tests/slides -q -p no:cacheprovider
