package web

import (
	"net/url"
	"slices"
	"strings"
)

// The hostile input of the route walk (robustness_test.go).

// Hostile path parameters; the real ids are added per walk.
var hostileParams = []string{"0", "-1", "abc", "%FF%FE", "%C0%AF", "99999999999999999999", "1e3", "%00", url.PathEscape("../../etc"),
	"%20", "%C3%A9", "0x10", "1.5", strings.Repeat("9", 2000), strings.Repeat("x", 10*1024)}

// Real values of the non-id parameters of the sandbox's HubSpot paths.
var realParams = map[string][]string{
	"type": {"contacts"}, "objectType": {"contacts", "0-1", "deals"}, "fromType": {"contacts"}, "toType": {"companies"},
	"propertyName": {"email"}, "pipelineId": {"default"}, "ownerId": {"1"}, "name": {"b2b"}, "format": {"csv", "json"},
}

// walkBody is a request body with its content type.
type walkBody struct {
	name, contentType, body string
}

var (
	huge = strings.Repeat("x", 10*1024)

	// Garbage forms: every field name the app reads, with values no handler
	// accepts (huge text, unknown choices, wrong types). None of them is a valid
	// setting, so the walk never turns on sandbox faults.
	garbageForm = url.Values{
		"name": {huge}, "scenario": {"bogus"}, "distribution": {"custom"}, "startTime": {"2025-13-45T99:99"}, "endTime": {"yesterday"},
		"timeZone": {"Mars/Olympus"}, "totalRecords": {"-1"}, "pace": {"warp"}, "paceFactor": {"NaN"}, "target": {"99999999999999999999"},
		"seed": {"1e3"}, "hourWeights": {"x", "Inf", "-1"}, "pipeline": {huge}, "ownerIds": {"a,b,-1"}, "startNow": {"1"},
		"token": {"pat with spaces\x00"}, "tier": {"platinum"}, "baseURL": {"javascript:alert(1)"},
		"email": {huge + "@example.com"}, "password": {"short"}, "confirm": {"other"},
		"sim": {"-1"}, "category": {"bogus", "server"}, "object": {"planet"}, "q": {huge}, "from": {"2025-02-30"}, "to": {"nope"},
		"status": {"sideways"}, "jobIds": {"0,-1," + huge}, "action": {"explode"}, "reason": {huge}, "strategy": {"loudest"},
		"limit": {"-5"}, "maxPerCategory": {"abc"}, "dryRun": {"false"}, "useFullRetry": {"maybe"}, "purge": {"maybe"},
		"burst": {"-1"}, "daily": {"abc"}, "search": {"1e9"}, "errorRate": {"abc"}, "latency": {"-1"}, "timeoutRate": {"200"},
		"timeoutAfter": {"abc"}, "force401": {"on"}, "force403": {"on"},
	}
	extremeSimulationForm = url.Values{"name": {"x"}, "scenario": {"b2b"}, "distribution": {"custom"},
		"hourWeights": strings.Split(strings.TrimSuffix(strings.Repeat("1e308,", 24), ","), ","), "startTime": {"9999-12-31T00:00"},
		"endTime": {"9999-12-31T23:00"}, "timeZone": {"Pacific/Kiritimati"}, "totalRecords": {"1000000"}, "pace": {"accelerated"},
		"paceFactor": {"1e308"}, "target": {"sandbox"}, "seed": {"-9223372036854775808"}}
	typoForm = url.Values{"name": {""}, "totalRecords": {"99999999999999999999"}, "limit": {"99999999999999999999"},
		"maxPerCategory": {"-1"}, "errorRate": {"-1"}, "latency": {"99999999999999999999"}, "burst": {"1.5"}, "reason": {""},
		"action": {"resolve"}, "jobIds": {"abc"}, "before": {"-1"}}

	garbageFormBody = walkBody{name: "garbage form", contentType: "application/x-www-form-urlencoded", body: garbageForm.Encode()}

	// Bodies no handler can read: broken forms, broken or wrongly shaped JSON.
	malformedBodies = []walkBody{
		{"none", "", ""},
		garbageFormBody,
		{"wrong-type form", "application/x-www-form-urlencoded", typoForm.Encode()},
		{"form with bad escapes", "application/x-www-form-urlencoded", "name=%zz&limit=%&=&&&" + strings.Repeat("a=1&", 500)},
		{"broken multipart", "multipart/form-data; boundary=xyz", "--xyz\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nnever ends"},
		{"malformed JSON", "application/json", `{"name": "x", `},
		{"JSON array", "application/json", `[{"name":"x"},1,null]`},
		{"JSON string", "application/json", `"just a string"`},
		{"JSON null", "application/json", `null`},
		{"JSON wrong types", "application/json", `{"name":123,"scenario":[],"totalRecords":"1000","startTime":1,"pace":{"mode":5,"factor":"x"},` +
			`"target":{},"seed":"abc","hourWeights":"x","ownerIds":[{}],"simulationId":"1","categories":"server","jobIds":[null,{},-1,1.5,"x"],` +
			`"limit":"5","maxPerCategory":-1,"dryRun":"yes","action":1,"reason":null,"burst":"1","errorRate":"0.5","force401":"true",` +
			`"token":5,"tier":null,"baseUrl":[],"purge":"yes","properties":"x","inputs":"x","filterGroups":{},"after":-1}`},
		{"JSON nested nulls", "application/json", `{"pace":null,"target":null,"properties":{"email":null},"inputs":[null,{"properties":null,` +
			`"id":null,"associations":[null,{"to":null,"types":[null]}]}],"filterGroups":[null,{"filters":[null,{"propertyName":null,` +
			`"operator":"BOGUS","value":{}}]}],"sorts":[null],"a":{"b":{"c":null}}}`},
		{"JSON huge numbers", "application/json", `{"totalRecords":1e400,"seed":99999999999999999999,"limit":-99999999999999999999,` +
			`"simulationId":1e30,"latencyMs":9223372036854775808,"errorRate":1e308,"inputs":[{"id":"99999999999999999999"}],"limit ":1}`},
		{"deep JSON", "application/json", strings.Repeat("[", 20000) + strings.Repeat("]", 20000)},
		{"JSON with a huge field", "application/json", `{"name":"` + strings.Repeat("x", 200*1024) + `","reason":"` + huge + `"}`},
		{"JSON sent as a form", "application/x-www-form-urlencoded", `{"name":"x"}`},
		{"form sent as JSON", "application/json", "name=x&limit=5"},
		{"valid forms with invalid UTF-8", "application/x-www-form-urlencoded", invalidUTF8Form().Encode()},
		{"JSON with invalid UTF-8", "application/json", "{\"name\":\"bad \xff\xfe\",\"reason\":\"\xc0\xaf\",\"properties\":{\"email\":\"\xff\"}}"},
	}

	// Bodies that read well but hold values at or past the edges, each aimed at
	// one handler: far dates, huge numbers and weights, long lists, columns filled.
	extremeBodies = []walkBody{
		{"extreme simulation form", "application/x-www-form-urlencoded", extremeSimulationForm.Encode()},
		{"extreme simulation JSON", "application/json", `{"name":"x","scenario":"b2b","distribution":"custom","hourWeights":[` +
			strings.TrimSuffix(strings.Repeat("1e308,", 24), ",") + `],"startTime":"9999-12-31T00:00:00Z","endTime":"9999-12-31T23:00:00Z",` +
			`"timeZone":"Pacific/Kiritimati","totalRecords":1000000,"pace":{"mode":"accelerated","factor":1e308},"target":"sandbox",` +
			`"seed":-9223372036854775808}`},
		{"ancient simulation JSON", "application/json", `{"name":"x","scenario":"b2b","distribution":"custom","hourWeights":[` +
			strings.TrimSuffix(strings.Repeat("0,", 24), ",") + `],"startTime":"0001-01-01T00:00:00Z","endTime":"0001-01-02T00:00:00Z",` +
			`"timeZone":"UTC","totalRecords":1,"pace":{"mode":"accelerated","factor":1e-300},"target":"99999999999999999999","ownerIds":["1"]}`},
		{"extreme DLQ JSON", "application/json", `{"from":"0001-01-01","to":"9999-12-31","simulationId":9223372036854775807,` +
			`"jobIds":[9223372036854775807,1e300,"` + strings.Repeat("t", 128) + `"],"limit":2147483647,"maxPerCategory":2147483647,` +
			`"strategy":"random","dryRun":true,"categories":["server","server"],"errorText":"%_\\'"}`},
		{"DLQ JSON naming 500 long task ids", "application/json", `{"action":"discard","reason":"walk","dryRun":true,"errorText":"` +
			strings.Repeat("🙂", 200) + `","jobIds":["` + strings.TrimSuffix(strings.Repeat(strings.Repeat("t", 128)+`","`, 500), `","`) + `"]}`},
		{"DLQ form naming 500 long task ids", "application/x-www-form-urlencoded", url.Values{"action": {"discard"}, "reason": {"walk"},
			"q": {strings.Repeat("🙂", 200)}, "jobIds": {strings.TrimSuffix(strings.Repeat(strings.Repeat("t", 128)+",", 500), ",")}}.Encode()},
		{"close nothing JSON", "application/json", `{"action":"resolve","reason":"walk","jobIds":[99999999],"to":"9999-12-31T23:59"}`},
		{"extreme limits JSON", "application/json", `{"burst":100000,"daily":1000000000,"searchPerSecond":10000}`},
		{"unreachable connection JSON", "application/json", `{"name":"x","token":"pat-na1-x","tier":"free","baseUrl":"http://127.0.0.1:1"}`},
	}

	// The same for the sandbox's HubSpot API.
	extremeSandboxBodies = []walkBody{
		{"extreme record JSON", "application/json", `{"properties":{"email":"` + huge + `","createdate":"99999999999999999999",` +
			`"hs_timestamp":"-1","numberofemployees":"1e400","amount":"NaN","closedate":"9999-12-31T23:59:59Z","lifecyclestage":"bogus",` +
			`"simcrm_record_key":"` + strings.Repeat("k", 300) + `","simcrm_simulation_id":"` + strings.Repeat("9", 100) + `","":"x"},"associations":[{"to":{"id":"99999999999999999999"},"types":[{"associationCategory":` +
			`"HUBSPOT_DEFINED","associationTypeId":-1}]},{"to":{"id":"1"},"types":[{"associationCategory":"HUBSPOT_DEFINED",` +
			`"associationTypeId":279}]}]}`},
		{"record created in year 292278994", "application/json", `{"properties":{"email":"walk-far@example.com","createdate":"9223372036854775807"}}`},
		{"record created before the epoch", "application/json", `{"properties":{"email":"walk-old@example.com","createdate":"0001-01-01T00:00:00Z",` +
			`"closedate":"-9223372036854775808","hs_timestamp":"9999-12-31"}}`},
		{"record of a long simulation id", "application/json", `{"properties":{"email":"walk-sim@example.com","simcrm_simulation_id":"` +
			strings.Repeat("9", 100) + `","firstname":"` + strings.Repeat("f", 70*1024) + `"}}`},
		{"property with a huge definition", "application/json", `{"name":"walk_big","label":"Walk","type":"string","fieldType":"text",` +
			`"groupName":"contactinformation","description":"` + strings.Repeat("d", 70*1024) + `"}`},
		{"search of far dates", "application/json", `{"filterGroups":[{"filters":[{"propertyName":"createdate","operator":"GT",` +
			`"value":"9223372036854775807"},{"propertyName":"hs_lastmodifieddate","operator":"BETWEEN","value":"-9223372036854775808",` +
			`"highValue":"9999-12-31T23:59:59Z"}]}],"sorts":["-createdate"]}`},
		{"extreme batch JSON", "application/json", `{"inputs":[{"id":"1","idProperty":"email","properties":{"email":"a@b.c"}},` +
			`{"id":"1","properties":{"email":"a@b.c"}},{"id":"99999999999999999999","idProperty":"bogus","properties":{}},` +
			`{"from":{"id":"1"},"to":{"id":"99999999999999999999"},"types":[{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":1}]}],` +
			`"properties":["email"],"propertiesWithHistory":["email"],"archived":true}`},
		{"oversized batch JSON", "application/json", `{"inputs":[` + strings.TrimSuffix(strings.Repeat(`{"id":"1","properties":{}},`, 101), ",") + `]}`},
		{"extreme search JSON", "application/json", `{"filterGroups":[{"filters":[{"propertyName":"createdate","operator":"BETWEEN",` +
			`"value":"abc","highValue":"-1"},{"propertyName":"email","operator":"IN","values":[]},{"propertyName":"amount","operator":"GT",` +
			`"value":"1e400"},{"propertyName":"hs_object_id","operator":"CONTAINS_TOKEN","value":"%_*"}]}],"sorts":[{"propertyName":"bogus",` +
			`"direction":"SIDEWAYS"}],"limit":200,"after":"9800","query":"%_\\","properties":["` + strings.Repeat("p", 3000) + `"]}`},
		{"extreme property JSON", "application/json", `{"name":"` + strings.Repeat("n", 300) + `","label":"","type":"enumeration",` +
			`"fieldType":"select","options":[null,{"label":null,"value":""}],"groupName":"","hasUniqueValue":true}`},
		{"association types JSON", "application/json", `[{"associationCategory":"USER_DEFINED","associationTypeId":99999999999},` +
			`{"associationCategory":"HUBSPOT_DEFINED","associationTypeId":-2147483649}]`},
	}

	// DLQ calls that do something, and simulations that pass every check but one.
	nearValidBodies = []walkBody{
		{"replay of one row", "application/json", `{"dryRun":false,"limit":1,"strategy":"newest"}`},
		{"replay form of one row", "application/x-www-form-urlencoded", "dryRun=false&limit=1&strategy=random&useFullRetry=true"},
		{"simulation past year 9999", "application/x-www-form-urlencoded", simulationForm("startTime", "9999-12-31T00:00",
			"endTime", "9999-12-31T23:00", "timeZone", "Pacific/Pago_Pago", "pace", "backfill").Encode()},
		{"simulation in year 1", "application/x-www-form-urlencoded", simulationForm("startTime", "0001-01-01T00:00",
			"endTime", "0001-01-02T00:00", "pace", "backfill").Encode()},
		{"simulation of huge weights", "application/x-www-form-urlencoded", simulationForm("distribution", "custom",
			"hourWeights", strings.Repeat("1e308,", 23)+"1e308").Encode()},
		{"simulation of zero weights", "application/x-www-form-urlencoded", simulationForm("distribution", "custom",
			"hourWeights", strings.Repeat("0,", 23)+"0").Encode()},
		{"simulation JSON past year 9999", "application/json", `{"name":"far","scenario":"b2b","distribution":"linear",` +
			`"startTime":"9999-12-31T00:00:00-11:00","endTime":"9999-12-31T23:00:00-11:00","timeZone":"UTC","totalRecords":10,` +
			`"pace":"backfill","target":"sandbox"}`},
		{"simulation JSON in year 1", "application/json", `{"name":"old","scenario":"b2b","distribution":"linear",` +
			`"startTime":"0001-01-01T00:00:00Z","endTime":"0001-01-02T00:00:00Z","totalRecords":10,"pace":"backfill","target":"sandbox"}`},
	}
	// The near-valid ones first: DLQ replays are limited per user and minute.
	walkBodies = slices.Concat(nearValidBodies, malformedBodies, extremeBodies, extremeSandboxBodies)

	// Hostile query strings: huge and negative limits, bad cursors and dates,
	// unknown choices, repeated keys, broken escapes.
	walkQueries = []string{
		"limit=-1&cursor=abc&before=-1&offset=-1",
		"limit=99999999999999999999&cursor=99999999999999999999&before=99999999999999999999&offset=1e9",
		"limit=0&after=abc&cursor=-5&before=abc&shown=&reset=done",
		"from=2025-13-45&to=notadate&sim=abc&category=bogus&status=bogus&object=planet&scope=all",
		"sim=1&sim=abc&limit=1&limit=2&category=server&category=server&type=contacts&type=../../etc",
		"q=" + strings.Repeat("q", 3000) + "&property=" + strings.Repeat("p", 500) + "&value=x",
		"from=0001-01-01&to=9999-12-31&before=9223372036854775807&cursor=9223372036854775807",
		"from=9999-12-31T23:59&to=1969-12-31T23:59:59Z&sim=9223372036854775807&limit=500",
		"type=%00&property=email&value=&archived=maybe&properties=" + strings.Repeat("p,", 300) + "&associations=bogus&idProperty=x",
		"name=%zz&limit=%&=&&&closed=-1&action=discard",
		"q=%FF%FE&property=email&value=%C0%AF&sim=%FF&type=%FF&from=%FF&object=%FF&category=%FF&shown=%FF",
	}
)

// invalidUTF8Form is otherwise valid input for the simulation, log-in, DLQ close
// and connection forms, with bytes that are not UTF-8 in the free text.
func invalidUTF8Form() url.Values {
	f := validForm()
	bad := url.Values{"name": {"Demo \xff\xfe run"}, "pipeline": {"\xc0\xaf"}, "email": {"\xff@example.com"},
		"password": {"walk password \xff"}, "action": {"resolve"}, "reason": {"because \xff"}, "q": {"\xff"},
		"jobIds": {"99999999"}, "token": {"pat-na1-\xff"}, "tier": {"free"}}
	for k, v := range bad {
		f[k] = v
	}
	return f
}

// simulationForm is validForm with some fields replaced (hourWeights split at commas).
func simulationForm(kv ...string) url.Values {
	f := validForm()
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i]] = strings.Split(kv[i+1], ",")
	}
	return f
}
