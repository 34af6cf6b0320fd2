package web

import (
	"fmt"
	"net/http"
	"testing"
)

// TestConsolePages renders every console page for the operator and for a
// phone-sized branch admin session, so that a template error shows here.
func TestConsolePages(t *testing.T) {
	f := newConsoleTestServer(t)
	var scenarios []consoleScenario
	for _, user := range []string{"operator", "xiadmin"} {
		for _, path := range []string{
			"/console", "/console/", "/console/activities", "/console/activities/new",
			fmt.Sprintf("/console/activities/new?unit=%d", f.xi),
			consoleActivityURL(f.xiApproval), consoleActivityURL(f.xiFirst) + "/edit",
			consoleActivityURL(f.xiFirst) + "/cancel", "/console/checkin", "/console/units",
			fmt.Sprintf("/console/units/%d", f.xi),
		} {
			scenarios = append(scenarios, consoleScenario{name: user + path, user: user, path: path,
				status: http.StatusOK, want: []string{`<html lang="zh-CN">`, "文化馆工作台", "js/console.js"},
				deny: []string{` style="`, "<script>"}})
		}
	}
	scenarios = append(scenarios,
		consoleScenario{name: "Staff", user: "operator", path: "/console/staff", status: http.StatusOK},
		consoleScenario{name: "Script", path: "/static/js/console.js", status: http.StatusOK, want: []string{"QrScanner"}},
		consoleScenario{name: "Worker", path: "/static/vendor/qr-scanner-worker.min.js", status: http.StatusOK},
	)
	f.run(t, scenarios)
}
