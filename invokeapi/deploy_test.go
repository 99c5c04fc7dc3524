package invokeapi

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/lambdad/lambdad/catalog"
	"github.com/lambdad/lambdad/function"
)

// zipOf is a zip of files (name → content).
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// controlClient serves a catalog kept in a temporary directory, with the
// read-only functions static, and returns an SDK client of it.
func controlClient(t *testing.T, static map[string]function.Config, inv *fakeInvoker) (*lambda.Client, *catalog.Catalog) {
	t.Helper()
	cat, err := catalog.Open(catalog.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	cat.SetStatic(static, nil, nil)
	srv := httptest.NewServer(NewHandler(Config{Functions: cat, Invoker: inv, Queue: &fakeQueue{}}))
	t.Cleanup(srv.Close)
	return lambda.New(lambda.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("x", "x", ""), RetryMaxAttempts: 1}), cat
}

// Every control-plane operation round-trips through aws-sdk-go-v2: create
// from a zip, get, update code and configuration, publish, versions,
// aliases with routing, invoke by qualifier, concurrency, provisioned
// concurrency, tags, delete; and AWS's exceptions for what is refused.
func TestControlPlaneWriteWithSDK(t *testing.T) {
	inv := &fakeInvoker{}
	dirFn := function.Config{Name: "from-dir", Runtime: "python3.12", Handler: "app.handler", MemorySize: 128, Timeout: 3,
		EphemeralStorageMB: 512, CodeDir: t.TempDir(), Source: "/srv/functions/from-dir/function.json"}
	client, _ := controlClient(t, map[string]function.Config{"from-dir": dirFn}, inv)
	ctx := context.Background()
	v1 := zipOf(t, map[string]string{"app.py": "def handler(e, c):\n    return 1\n"})
	v2 := zipOf(t, map[string]string{"app.py": "def handler(e, c):\n    return 2\n"})
	role := aws.String("arn:aws:iam::123456789012:role/x")
	sum := func(b []byte) string { s := sha256.Sum256(b); return base64.StdEncoding.EncodeToString(s[:]) }

	created, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("fn"), Runtime: types.RuntimePython312, Handler: aws.String("app.handler"),
		Role: role, Code: &types.FunctionCode{ZipFile: v1},
		MemorySize: aws.Int32(256), Timeout: aws.Int32(7), Description: aws.String("first"),
		Environment: &types.Environment{Variables: map[string]string{"AA": "1"}},
		Tags:        map[string]string{"team": "x"}, TracingConfig: &types.TracingConfig{Mode: types.TracingModeActive},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.State != types.StatePending || created.StateReasonCode != types.StateReasonCodeCreating ||
		aws.ToString(created.CodeSha256) != sum(v1) || created.CodeSize != int64(len(v1)) ||
		aws.ToInt32(created.MemorySize) != 256 || aws.ToString(created.Description) != "first" || aws.ToString(created.RevisionId) == "" {
		t.Errorf("CreateFunction: %+v", created)
	}
	waiter := lambda.NewFunctionActiveV2Waiter(client)
	if err := waiter.Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")}, 5e9); err != nil {
		t.Errorf("function-active-v2: %v", err)
	}
	got, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Configuration.State != types.StateActive || got.Tags["team"] != "x" || got.Configuration.Environment.Variables["AA"] != "1" ||
		!strings.HasPrefix(aws.ToString(got.Code.Location), "file://") {
		t.Errorf("GetFunction: %+v %+v", got.Configuration, got.Code)
	}

	// Exactly one of concurrent creates of one name wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{Role: role, FunctionName: aws.String("race"),
				Runtime: types.RuntimePython312, Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: v1}})
			var conflict *types.ResourceConflictException
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errors.As(err, &conflict):
				conflicts++
			default:
				t.Errorf("concurrent create: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != 7 {
		t.Errorf("concurrent creates: %d won, %d conflicts; want 1 and 7", wins, conflicts)
	}

	pub1, err := client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("fn"), Description: aws.String("v1")})
	if err != nil || aws.ToString(pub1.Version) != "1" || !strings.HasSuffix(aws.ToString(pub1.FunctionArn), ":fn:1") {
		t.Fatalf("PublishVersion: %+v, %v", pub1, err)
	}
	// A stale RevisionId is refused.
	_, err = client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: v2, RevisionId: aws.String("6c3bb7b1-6b2a-4fbc-9b0e-2d7a1c1c0d1e")})
	var stale *types.PreconditionFailedException
	if !errors.As(err, &stale) {
		t.Errorf("UpdateFunctionCode with a stale RevisionId: %v, want PreconditionFailedException", err)
	}
	upd, err := client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: v2})
	if err != nil || aws.ToString(upd.CodeSha256) != sum(v2) || upd.LastUpdateStatus != types.LastUpdateStatusInProgress {
		t.Fatalf("UpdateFunctionCode: %+v, %v", upd, err)
	}
	if err := lambda.NewFunctionUpdatedV2Waiter(client).Wait(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")}, 5e9); err != nil {
		t.Errorf("function-updated-v2: %v", err)
	}
	cfg, err := client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"),
		Timeout: aws.Int32(30), Environment: &types.Environment{Variables: map[string]string{"BB": "2"}}, RevisionId: upd.RevisionId})
	if err != nil || aws.ToInt32(cfg.Timeout) != 30 || cfg.Environment.Variables["BB"] != "2" || cfg.Environment.Variables["AA"] != "" ||
		aws.ToInt32(cfg.MemorySize) != 256 || aws.ToString(cfg.CodeSha256) != sum(v2) {
		t.Fatalf("UpdateFunctionConfiguration: %+v, %v", cfg, err)
	}
	var bad *types.InvalidParameterValueException
	if _, err := client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"),
		MemorySize: aws.Int32(64)}); !errors.As(err, &bad) {
		t.Errorf("MemorySize 64: %v, want InvalidParameterValueException", err)
	}
	if _, err := client.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"),
		Layers: []string{"/root"}}); !errors.As(err, &bad) || !strings.Contains(err.Error(), "no layer registry") {
		t.Errorf("Layers /root: %v, want InvalidParameterValueException", err)
	}
	pub2, err := client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("fn")})
	if err != nil || aws.ToString(pub2.Version) != "2" {
		t.Fatalf("PublishVersion 2: %+v, %v", pub2, err)
	}
	again, err := client.PublishVersion(ctx, &lambda.PublishVersionInput{FunctionName: aws.String("fn")})
	if err != nil || aws.ToString(again.Version) != "2" {
		t.Errorf("PublishVersion of unchanged code: %+v, %v; want version 2 again", again, err)
	}
	versions, err := client.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: aws.String("fn")})
	if err != nil || len(versions.Versions) != 3 || aws.ToString(versions.Versions[1].CodeSha256) != sum(v1) ||
		aws.ToInt32(versions.Versions[2].Timeout) != 30 {
		t.Errorf("ListVersionsByFunction: %+v, %v", versions, err)
	}

	alias, err := client.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("fn"), Name: aws.String("live"),
		FunctionVersion: aws.String("1"), RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.25}}})
	if err != nil || aws.ToString(alias.AliasArn) != "arn:aws:lambda:us-east-1:123456789012:function:fn:live" {
		t.Fatalf("CreateAlias: %+v, %v", alias, err)
	}
	counts := map[string]int{}
	for range 2000 {
		out, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn"), Qualifier: aws.String("live")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.ExecutedVersion) != inv.last.Function.Version {
			t.Fatalf("ExecutedVersion %s ran version %s", aws.ToString(out.ExecutedVersion), inv.last.Function.Version)
		}
		counts[aws.ToString(out.ExecutedVersion)]++
	}
	if share := float64(counts["2"]) / 2000; share < 0.2 || share > 0.3 || counts["1"]+counts["2"] != 2000 {
		t.Errorf("alias live routed %v, want about 25%% to version 2", counts)
	}
	if _, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn:1")}); err != nil || inv.last.Function.Version != "1" ||
		inv.last.Function.Timeout != 7 || !strings.HasSuffix(inv.last.FunctionARN, ":fn:1") {
		t.Errorf("invoke fn:1 ran %+v (%v)", inv.last.Function, err)
	}
	if _, err := client.UpdateAlias(ctx, &lambda.UpdateAliasInput{FunctionName: aws.String("fn"), Name: aws.String("live"),
		FunctionVersion: aws.String("2"), RoutingConfig: &types.AliasRoutingConfiguration{}}); err != nil {
		t.Fatal(err)
	}
	if a, err := client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String("fn"), Name: aws.String("live")}); err != nil ||
		aws.ToString(a.FunctionVersion) != "2" || (a.RoutingConfig != nil && len(a.RoutingConfig.AdditionalVersionWeights) > 0) {
		t.Errorf("GetAlias after UpdateAlias: %+v, %v", a, err)
	}
	var conflict *types.ResourceConflictException
	if _, err := client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("fn"), Qualifier: aws.String("2")}); !errors.As(err, &conflict) {
		t.Errorf("deleting a version an alias uses: %v, want ResourceConflictException", err)
	}
	if aliases, err := client.ListAliases(ctx, &lambda.ListAliasesInput{FunctionName: aws.String("fn")}); err != nil || len(aliases.Aliases) != 1 {
		t.Errorf("ListAliases: %+v, %v", aliases, err)
	}

	if _, err := client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	if c, err := client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("fn")}); err != nil || aws.ToInt32(c.ReservedConcurrentExecutions) != 5 {
		t.Errorf("GetFunctionConcurrency: %+v, %v", c, err)
	}
	if _, err := client.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{FunctionName: aws.String("fn"), ReservedConcurrentExecutions: aws.Int32(950)}); !errors.As(err, &bad) {
		t.Errorf("reserving 950: %v, want InvalidParameterValueException", err)
	}
	if _, err := client.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	pc, err := client.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("fn"),
		Qualifier: aws.String("live"), ProvisionedConcurrentExecutions: aws.Int32(2)})
	if err != nil || aws.ToInt32(pc.RequestedProvisionedConcurrentExecutions) != 2 {
		t.Fatalf("PutProvisionedConcurrencyConfig: %+v, %v", pc, err)
	}
	if l, err := client.ListProvisionedConcurrencyConfigs(ctx, &lambda.ListProvisionedConcurrencyConfigsInput{FunctionName: aws.String("fn")}); err != nil ||
		len(l.ProvisionedConcurrencyConfigs) != 1 || !strings.HasSuffix(aws.ToString(l.ProvisionedConcurrencyConfigs[0].FunctionArn), ":fn:live") {
		t.Errorf("ListProvisionedConcurrencyConfigs: %+v, %v", l, err)
	}
	if _, err := client.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: aws.String("fn"), Qualifier: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	var noPC *types.ProvisionedConcurrencyConfigNotFoundException
	if _, err := client.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("fn"), Qualifier: aws.String("live")}); !errors.As(err, &noPC) {
		t.Errorf("GetProvisionedConcurrencyConfig after delete: %v", err)
	}

	arn := aws.String("arn:aws:lambda:us-east-1:123456789012:function:fn")
	if _, err := client.TagResource(ctx, &lambda.TagResourceInput{Resource: arn, Tags: map[string]string{"env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UntagResource(ctx, &lambda.UntagResourceInput{Resource: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if tags, err := client.ListTags(ctx, &lambda.ListTagsInput{Resource: arn}); err != nil || len(tags.Tags) != 1 || tags.Tags["env"] != "dev" {
		t.Errorf("ListTags: %+v, %v", tags, err)
	}

	// The settings deployment tools read after a create, which lambdad
	// does not have, answer as Lambda's for a function without them.
	if cs, err := client.GetFunctionCodeSigningConfig(ctx, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("fn")}); err != nil ||
		aws.ToString(cs.CodeSigningConfigArn) != "" || aws.ToString(cs.FunctionName) != "fn" {
		t.Errorf("GetFunctionCodeSigningConfig: %+v, %v", cs, err)
	}
	var notFound *types.ResourceNotFoundException
	if _, err := client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("fn")}); !errors.As(err, &notFound) {
		t.Errorf("GetPolicy: %v, want ResourceNotFoundException", err)
	}
	if rc, err := client.GetFunctionRecursionConfig(ctx, &lambda.GetFunctionRecursionConfigInput{FunctionName: aws.String("fn")}); err != nil ||
		rc.RecursiveLoop != types.RecursiveLoopAllow {
		t.Errorf("GetFunctionRecursionConfig: %+v, %v", rc, err)
	}
	if rm, err := client.GetRuntimeManagementConfig(ctx, &lambda.GetRuntimeManagementConfigInput{FunctionName: aws.String("fn")}); err != nil ||
		rm.UpdateRuntimeOn != types.UpdateRuntimeOnAuto {
		t.Errorf("GetRuntimeManagementConfig: %+v, %v", rm, err)
	}
	if _, err := client.GetFunctionCodeSigningConfig(ctx, &lambda.GetFunctionCodeSigningConfigInput{FunctionName: aws.String("nope")}); !errors.As(err, &notFound) {
		t.Errorf("GetFunctionCodeSigningConfig of no function: %v", err)
	}

	// Read-only functions are listed, and refuse changes naming their file.
	list, err := client.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil || len(list.Functions) != 3 {
		t.Fatalf("ListFunctions: %+v, %v", list, err)
	}
	for _, f := range list.Functions {
		readOnly := strings.HasPrefix(aws.ToString(f.Description), "lambdad: read-only, defined by /srv/functions/from-dir/function.json")
		if readOnly != (aws.ToString(f.FunctionName) == "from-dir") {
			t.Errorf("%s's Description %q", aws.ToString(f.FunctionName), aws.ToString(f.Description))
		}
	}
	_, err = client.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("from-dir"), ZipFile: v2})
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "/srv/functions/from-dir/function.json") {
		t.Errorf("updating a directory function: %v", err)
	}
	if _, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{Role: role, FunctionName: aws.String("from-dir"),
		Runtime: types.RuntimePython312, Handler: aws.String("app.handler"), Code: &types.FunctionCode{ZipFile: v1}}); !errors.As(err, &conflict) {
		t.Errorf("creating a directory function's name: %v", err)
	}

	// What lambdad cannot take gets AWS's exceptions.
	for name, in := range map[string]*lambda.CreateFunctionInput{
		"S3 code":    {Role: role, FunctionName: aws.String("s3"), Runtime: types.RuntimePython312, Handler: aws.String("a.b"), Code: &types.FunctionCode{S3Bucket: aws.String("b"), S3Key: aws.String("k")}},
		"no runtime": {Role: role, FunctionName: aws.String("nort"), Handler: aws.String("a.b"), Code: &types.FunctionCode{ZipFile: v1}},
		"bad name":   {Role: role, FunctionName: aws.String("bad name"), Runtime: types.RuntimePython312, Handler: aws.String("a.b"), Code: &types.FunctionCode{ZipFile: v1}},
		"not a zip":  {Role: role, FunctionName: aws.String("notzip"), Runtime: types.RuntimePython312, Handler: aws.String("a.b"), Code: &types.FunctionCode{ZipFile: []byte("hello")}},
		"layer ARN": {Role: role, FunctionName: aws.String("layered"), Runtime: types.RuntimePython312, Handler: aws.String("a.b"), Code: &types.FunctionCode{ZipFile: v1},
			Layers: []string{"arn:aws:lambda:us-east-1:123456789012:layer:x:1"}},
		// A host path would bind the daemon's files into the client's sandbox.
		"layer path": {Role: role, FunctionName: aws.String("hostfiles"), Runtime: types.RuntimePython312, Handler: aws.String("a.b"), Code: &types.FunctionCode{ZipFile: v1},
			Layers: []string{"/etc"}},
	} {
		if _, err := client.CreateFunction(ctx, in); !errors.As(err, &bad) {
			t.Errorf("%s: %v, want InvalidParameterValueException", name, err)
		}
	}
	if _, err := client.CreateFunction(ctx, &lambda.CreateFunctionInput{Role: role, FunctionName: aws.String("big"), Runtime: types.RuntimePython312,
		Handler: aws.String("a.b"), Code: &types.FunctionCode{ZipFile: make([]byte, 51<<20)}}); err == nil || !strings.Contains(err.Error(), "RequestEntityTooLargeException") {
		t.Errorf("a 51 MB zip: %v, want RequestEntityTooLargeException", err)
	}

	if _, err := client.DeleteAlias(ctx, &lambda.DeleteAliasInput{FunctionName: aws.String("fn"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("fn")}); !errors.As(err, &notFound) {
		t.Errorf("GetFunction after DeleteFunction: %v", err)
	}
	if _, err := client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("fn")}); !errors.As(err, &notFound) {
		t.Errorf("Invoke after DeleteFunction: %v", err)
	}
}

// A request body beyond the code limit is refused before it is read whole.
func TestCreateFunctionBodyLimit(t *testing.T) {
	h := NewHandler(Config{Functions: staticCatalog(nil, nil), Invoker: &fakeInvoker{}, Queue: &fakeQueue{}})
	req := httptest.NewRequest(http.MethodPost, "/2015-03-31/functions", strings.NewReader("{}"))
	req.ContentLength = maxCodeRequest + 1
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || rec.Header().Get("X-Amzn-ErrorType") != catalog.TooLarge {
		t.Errorf("got %d %s %s", rec.Code, rec.Header().Get("X-Amzn-ErrorType"), rec.Body)
	}
}
