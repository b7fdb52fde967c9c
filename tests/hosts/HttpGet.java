// HttpGet.java — a Java HttpClient GET for cordon's capture tests (`java HttpGet.java URL`):
// prints the status and body, or the exception. HttpClient ignores HTTP_PROXY; it reaches a
// host only through the sandbox's transparent capture.
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class HttpGet
{
	public static void main(String[] args) throws Exception
	{
		HttpClient c =
		    HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
		HttpRequest q = HttpRequest.newBuilder(URI.create(args[0]))
				    .timeout(Duration.ofSeconds(10))
				    .build();
		try {
			HttpResponse<String> r = c.send(q, HttpResponse.BodyHandlers.ofString());
			System.out.println("status=" + r.statusCode() + " " + r.body());
		} catch (Exception e) {
			System.out.println("error=" + e);
			System.exit(1);
		}
	}
}
