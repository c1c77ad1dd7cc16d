"""What pages without a kernel show: figures' alt text and an explorer's static line."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell

from helpers.draw import plots, widgets


def test_alt_text_says_what_the_figure_itself_says() -> None:
    fig, (left, right) = plots.new_figure(2)
    fig.suptitle("Threads against processes")
    plots.finish(left, xlabel="workers", ylabel="speedup (x)", title="CPU-bound")
    plots.finish(right, xlabel="time (ms)", ylabel="worker", title="timeline")
    assert plots.alt_text(fig) == (
        "Figure: Threads against processes. panel 1: CPU-bound; x axis: workers; y axis: "
        "speedup (x). panel 2: timeline; x axis: time (ms); y axis: worker."
    )


def test_figures_are_shown_with_their_alt_text_in_the_output_metadata() -> None:
    shell = InteractiveShell.instance()
    try:
        plots.show_alt_text()
        fig, (ax,) = plots.new_figure()
        plots.finish(ax, xlabel="workers", ylabel="speedup (x)", title="CPU-bound")
        data, metadata = shell.display_formatter.format(fig)
    finally:  # other tests expect no IPython around (widgets' Output, display())
        InteractiveShell.clear_instance()
    assert data["image/png"] and metadata["image/png"]["alt"] == plots.alt_text(fig)


def test_an_explorer_offers_a_static_line_next_to_the_live_widget() -> None:
    explorer = widgets.Explorer(
        lambda n, progress: None, {"n": widgets.int_slider("n", 3, 1, 5)}, title="Demo"
    )
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # JupyterLab shows the widget
    assert "<b>Demo</b>" in bundle["text/html"] and "lab-explorer-launch" in bundle["text/html"]
