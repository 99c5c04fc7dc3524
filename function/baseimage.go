package function

import "strings"

// BaseImageRegistry is where AWS publishes its Lambda base images.
const BaseImageRegistry = "public.ecr.aws/lambda"

// BaseImage is the reference of AWS's base image for a managed runtime, the
// image Lambda and `sam local` run a zip of that runtime on:
// python3.12 → public.ecr.aws/lambda/python:3.12, nodejs22.x → …/nodejs:22,
// java21 → …/java:21, ruby3.3 → …/ruby:3.3, dotnet8 → …/dotnet:8,
// provided.al2023 → …/provided:al2023. "" for a runtime of no such form.
func BaseImage(runtime string) string {
	for _, p := range []struct{ prefix, repo string }{
		{"python", "python"}, {"nodejs", "nodejs"}, {"java", "java"},
		{"ruby", "ruby"}, {"dotnet", "dotnet"}, {"provided.", "provided"},
	} {
		tag, ok := strings.CutPrefix(runtime, p.prefix)
		if !ok || tag == "" {
			continue
		}
		if p.repo == "nodejs" {
			tag = strings.TrimSuffix(tag, ".x")
		}
		return BaseImageRegistry + "/" + p.repo + ":" + tag
	}
	return ""
}
