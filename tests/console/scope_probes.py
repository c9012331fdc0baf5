"""District-scope probes of the complaints desk, the payroll desk and the homes."""

from tests.scope.registry import ALLOWED, PROBES, Call, custom, listing, obj


def _refused(method, kwargs, data=None):
    """A scoped user may read but never operate a city-wide payroll run: the
    desk refuses (a message and a redirect back) and nothing changes."""

    def check(ctx):
        from payroll.models import PayrollRun

        before = sorted(PayrollRun.objects.values_list("pk", "status", "version"))
        response = ctx.call(method, kwargs(ctx), data=data if data is not None else {})
        assert response.status_code in (302, 403), response.status_code
        assert (
            sorted(PayrollRun.objects.values_list("pk", "status", "version")) == before
        )

    return custom(check)


PROBES.update(
    {
        "console-dispatch-technicians": listing(
            lambda s, w: Call("get"), marker=lambda side: side.tech.code
        ),
        "console-dispatch-map": listing(lambda s, w: Call("get")),
        "console-complaints": listing(
            lambda s, w: Call("get", query={"step": "open"}),
            marker=lambda side: side.complaint.number,
        ),
        "console-complaint": obj(lambda s, w: Call("get", {"pk": s.complaint.pk})),
        "console-complaint-action": obj(
            lambda s, w: Call(
                "post",
                {"pk": s.complaint.pk, "action": "supervise"},
                data={"note": "督办"},
            )
        ),
        "console-penalty-publish": obj(
            lambda s, w: Call("post", {"pk": s.penalty.pk}, data={})
        ),
        "console-payroll-run": listing(
            lambda s, w: Call("get", {"pk": w.run.pk}),
            marker=lambda side: side.tech.code,
        ),
        "console-payroll-line": obj(
            lambda s, w: Call("get", {"pk": w.run.pk, "line_id": s.line.pk})
        ),
        "console-payroll-export": listing(
            lambda s, w: Call("get", {"pk": w.run.pk}),
            marker=lambda side: side.tech.code,
        ),
        "console-payroll-compute": _refused(
            "post", lambda ctx: {}, data={"month": "2026-11"}
        ),
        "console-payroll-action": _refused(
            "post", lambda ctx: {"pk": ctx.world.run.pk, "action": "review"}
        ),
    }
)

ALLOWED.update(
    {
        "favicon": "the site's icon, a static file",
        "console-dispatch-counts": "the nav's live counts over the user's scope "
        "(console.desk_selectors, the same scoped querysets as the probed queue "
        "and panels); it names no object",
        "console-complaint-analysis": "counts over complaints_for_desk(user), the "
        "same scoped selector as the probed desk list (console.complaint_selectors."
        "week_analysis)",
        "console-home": "each role's figures come from console.home_selectors with "
        "the user's district (the same scoped selectors as reports and the audit "
        "list); it names no object",
        "console-payroll": "the list of run headers (month, version, status) is one "
        "city-wide document, as payroll-run-list; per-technician figures are probed",
        "console-payroll-diff": "compares the user's own lines of two runs "
        "(payroll.selectors.lines_of), as payroll-run-diff",
    }
)
