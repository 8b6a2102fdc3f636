"""The studio's history, as the console hands it out (`service.history`): stored shows, their reviews, reports and
comparisons, the shop's orders imported into them, their recordings, the studios on the database.

What a manager (运营) works with after the show; nothing here touches the show on air. Every method reads or writes
the database (or files) and may take a moment: the window calls them off its own thread when they can be long.
"""

from __future__ import annotations

import logging
import threading

from app.media.repair import repair_in_background
from app.store.db import Database


log = logging.getLogger(__name__)


class History:
    """`sessions()`, `review()`, `export_csv()`, `export_html()`, `comparison()`, `export_comparison()`,
    `insights()`, `export_insights()`, `import_orders()`, `player()`;
    the studio this console works for (`studio`) and every studio on the database (`studios()`)."""

    def __init__(self, database: Database, apply_retention: bool = False) -> None:
        self.database = database
        # the recordings of shows found cut off at start-up get their duration back meanwhile (app/media/repair.py)
        self._repairs = repair_in_background(database.recordings_of(database.interrupted_on_open))
        # the studio's retention policy applied meanwhile: what is past it deleted or pseudonymised (app/retention.py)
        self.retained = None  # what the policy did at this start (`app.retention.RetentionReport`), once done
        self._retention = threading.Thread(target=self._retain, name="retention", daemon=True)
        if apply_retention:
            self._retention.start()

    def _retain(self) -> None:
        from app.retention import apply_policy

        try:
            self.retained = apply_policy(self.database)
        except Exception as exc:  # noqa: BLE001 - the console starts all the same; the next start tries again
            log.warning("retention policy not applied: %s", exc)

    def close(self) -> None:
        """Wait for the recordings' repair (a copy of each file: seconds for an hour's recording) and the retention
        policy."""
        if self._repairs is not None:
            self._repairs.join(60)
        if self._retention.is_alive():
            self._retention.join(60)

    # --- the shows ---------------------------------------------------------------------------------------
    def sessions(self, rehearsals: bool = False, all_studios: bool = False) -> list:
        """Stored real sessions (or only the rehearsals) of this studio (all_studios: every studio's, the
        manager's view), newest first (`app.review.SessionInfo`)."""
        from app.review import list_sessions

        return list_sessions(self.database, rehearsals, all_studios)

    def review(self, session_id: int, any_studio: bool = False):
        """One session's review rebuilt from its event log (`app.review.SessionReview`); KeyError if unknown (or,
        unless `any_studio`, another studio's)."""
        from app.review import load_review

        return load_review(self.database, session_id, any_studio)

    @property
    def studio(self) -> str:
        """工作室: the studio this console works for on its database."""
        return self.database.studio

    def studios(self) -> dict[int, str]:
        """Every studio on the database, id → name."""
        return self.database.studios()

    # --- what a manager takes away -------------------------------------------------------------------------
    @staticmethod
    def export_csv(review, folder: str) -> list:
        """The review's product windows and minutes as CSV files for Excel (`app.review.export_csv`)."""
        from app.review import export_csv

        return export_csv(review, folder)

    @staticmethod
    def export_html(review, path: str):
        """The review as one HTML file to mail or open on a phone (`app.report.html_report`); returns its path."""
        from app.report import html_report, write

        return write(html_report(review), path)

    def comparison(self, session_ids: list[int], any_studio: bool = False):
        """Two or more sessions side by side (`app.report.Comparison`: names, figures, curves); KeyError for an
        unknown session."""
        from app.report import Comparison

        return Comparison.of([self.review(number, any_studio) for number in session_ids])

    @staticmethod
    def export_comparison(comparison, path: str):
        """A comparison as one HTML file (`app.report.compare_html`); returns its path."""
        from app.report import write

        return write(comparison.html(), path)

    # --- across shows (多场分析) ----------------------------------------------------------------------------------
    def insights(self, since: float, until: float, all_studios: bool = False, zone=None):
        """Every real show started in [since, until) of this studio (all_studios: every studio's) side by side,
        with the audience across them (`app.insights.Insights`); shows not kept yet are kept on the way."""
        from app.insights import load_insights

        return load_insights(self.database, since, until, all_studios, zone)

    @staticmethod
    def ab(insights, group_a: str, group_b: str):
        """A/B: the period's shows in group A and group B (filters such as host=甲, tag=新话术) compared
        (`app.abtest.ABReport`); ValueError (中文 / English) for a filter that cannot be read."""
        from app.abtest import compare_groups, split_groups

        a, b = split_groups(insights.shows, group_a, group_b)
        return compare_groups(a, b, group_a.strip(), group_b.strip())

    def tag(self, session_id: int, tags: list[str]) -> tuple[str, ...]:
        """The manager's labels of a show (replacing its labels; A/B groups by them); KeyError for another
        studio's or no such show, ValueError for a label that cannot be one. Returns the labels kept."""
        from app.insights import set_tags

        return set_tags(self.database, session_id, tags)

    @staticmethod
    def clip_spans(review, product_id: int | None = None) -> list:
        """The show's explanation windows as clips to cut (`app.clips.ClipSpan`), with the review's figures."""
        from app.clips import window_spans

        return window_spans(review, product_id)

    def range_span(self, review, start: float, end: float):
        """Any span of the show as a clip (`app.clips.ClipSpan`, its orders from the log); ValueError (中文 /
        English) for one backwards or beyond the show."""
        from app.clips import range_span

        return range_span(self.database, review, start, end)

    def moment_spans(self, review) -> list:
        """The show's moments that sold (`app.clips.moment_spans`: order peaks, else comment peaks, by the rule
        documented there) as clips to cut."""
        from app.clips import moment_spans

        return moment_spans(self.database, review)

    @staticmethod
    def caption_problems(caption: str) -> list[str]:
        """The extreme words (极限词) in a clip's caption, each with its reason: a caption holding any is refused."""
        from app.clips import caption_problems

        return caption_problems(caption)

    def verify_records(self, session_id: int):
        """The show's records checked whole (`app.records.ShowVerdict`: its log against its hash chain, its recording
        against its digests, its draws recomputed; intact, sealed, what differs from which link on); KeyError for a
        show that is not the studio's. Reads the whole log and recording: off the window's thread."""
        from app.records import verify_show

        return verify_show(self.database, session_id)

    def retention_policy(self):
        """The studio's retention policy (`app.retention.Policy`: keep_days, pseudonymise_days)."""
        from app.retention import policy

        return policy(self.database)

    def set_retention_policy(self, keep_days: int, pseudonymise_days: int):
        """Change it; ValueError (bilingual) for days out of range."""
        from app.retention import set_policy

        return set_policy(self.database, keep_days, pseudonymise_days)

    def apply_retention(self):
        """The policy applied now (`app.retention.RetentionReport`); reads and may rewrite whole shows: off the
        window's thread."""
        from app.retention import apply_policy

        return apply_policy(self.database)

    def export_records(self, session_id: int, folder):
        """存证包: the show's records written to `folder` (new or empty) as a bundle another machine verifies
        (`app.records.export_bundle`); its path. KeyError for a show that is not the studio's, `BundleError` for a
        folder in use, OSError. Copies the recording: off the window's thread."""
        from app.records import export_bundle

        return export_bundle(self.database, session_id, folder)

    def clip_preview(self, review, span, style):
        """A vertical clip's first frame and its layers (`app.clips.ClipPreview`) for the dialog to show and place
        them on; None for the original shape. Decodes from the recording: off the window's thread."""
        from app.clips import clip_context, preview

        return preview(review, span, style, clip_context(self.database, review))

    def export_clips(self, review, spans: list, folder, style=None, progress=None, cancelled=None) -> list:
        """直播切片: cut the spans from the show's recording into `folder` with manifest.csv, in `style`
        (`app.clips.ClipStyle`: the original shape by default), at a lower priority than a show on air;
        `progress(i, n, share)`, `cancelled()` checked as it goes (the clips made before a cancel are kept). Raises
        ValueError when the show has no recording, the caption holds extreme words or the logo cannot be read;
        `(span, app.media.cut.CutResult)` for each clip made."""
        from app.clips import clip_context, export

        context = clip_context(self.database, review) if style is not None and style.shape != "original" else None
        return export(review, spans, folder, style=style, context=context, background=True, progress=progress,
                      cancelled=cancelled)

    def find_viewers(self, text: str) -> list:
        """The studio's viewers whose platform id is `text` or whose nickname is exactly `text`
        (`app.erasure.ViewerMatch`), for a request to erase one: reads the whole log, seconds for millions."""
        from app.erasure import find_viewers

        return find_viewers(self.database, text)

    def erase_viewer(self, platform: str, user_id: str):
        """Erase one account of `platform` from the studio's ended shows, counts kept (`app.erasure`); None when
        nothing of it was stored."""
        from app.erasure import erase_viewer

        return erase_viewer(self.database, platform, user_id)

    @staticmethod
    def insight_tables(insights, ab=None) -> dict:
        """Every table of the insights (and of an A/B report), name → (header, rows): what the window shows."""
        from app.insights_report import tables

        return tables(insights, ab)

    @staticmethod
    def insight_summary(insights) -> str:
        from app.insights_report import summary

        return summary(insights)

    @staticmethod
    def insight_definitions() -> dict[str, str]:
        """Each figure's definition (中文 / English), for the tooltips."""
        from app.insights_report import DEFINITIONS

        return dict(DEFINITIONS)

    @staticmethod
    def export_insights(insights, csv_folder: str | None = None, html_file: str | None = None, ab=None) -> list:
        """The insights (and an A/B report) as CSV files (one per table) and / or one HTML file; the paths."""
        from app.insights_report import export_csv, insights_html
        from app.report import write

        written = list(export_csv(insights, csv_folder, ab)) if csv_folder else []
        return written + ([write(insights_html(insights, ab), html_file)] if html_file else [])

    # --- what comes in afterwards --------------------------------------------------------------------------
    def import_orders(self, session_id: int, path: str, mapping: dict[str, str] | None = None,
                      place_by: str = "order"):
        """导入订单: the shop's order export into a session, each order at its own time (`app.orders`); returns
        the report; OrderImportError names the bad lines (nothing imported), SessionLive refuses a show on air,
        KeyError for no such session."""
        from app.orders import import_orders

        return import_orders(self.database, session_id, path, mapping, place_by)

    @staticmethod
    def player(path: str):
        """A player for a session's recording (`app.media.player.RecordingPlayer`, which first repairs one cut
        off by a crash); PlayerError says why not."""
        from app.media.player import RecordingPlayer

        return RecordingPlayer(path)
