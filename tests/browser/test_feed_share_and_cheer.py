"""A member shares an achievement with a photo; another member cheers it (htmx, no reload) and comments."""

import re

from playwright.sync_api import expect

from feed.models import Achievement, Cheer, Comment
from tests.factories import PASSWORD, MembershipFactory
from tests.feed.factories import image_bytes

VIEWPORT = {"width": 1280, "height": 900}


def log_in(page, base_url, email):
    page.goto(base_url + "/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign In").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_member_shares_a_photo_and_another_member_cheers_and_comments(live_server, browser, club, artifacts_dir):
    author = MembershipFactory(club=club, user__display_name="Mona Member").user
    fan = MembershipFactory(club=club, user__display_name="Finn Fan").user
    feed_url = f"{live_server.url}/clubs/{club.slug}/feed/"

    # The author shares an achievement with a photo from club home's feed section.
    author_context = browser.new_context(viewport=VIEWPORT)
    page = author_context.new_page()
    log_in(page, live_server.url, author.email)
    page.goto(f"{live_server.url}/clubs/{club.slug}/home/")
    page.get_by_role("link", name="Open the feed and share yours").click()
    expect(page).to_have_url(feed_url)
    share = page.get_by_role("region", name="Share an achievement")
    share.get_by_role("textbox", name="What did you achieve?").fill("Ran 10 km by the river! https://example.com/route")
    share.get_by_role("combobox", name="Tag").select_option(label="Workout")
    share.get_by_label("Photo").set_input_files(
        {"name": "river.jpg", "mimeType": "image/jpeg", "buffer": image_bytes("JPEG", (1200, 900))}
    )
    share.get_by_role("button", name="Share").click()
    expect(page.locator(".alert-success")).to_contain_text("Shared with the club.")
    post = page.locator("article.achievement").first
    expect(post).to_contain_text("Ran 10 km by the river!")
    expect(post.get_by_role("link", name="https://example.com/route")).to_have_attribute(
        "href", "https://example.com/route"
    )
    photo = post.get_by_role("img", name="Photo shared by Mona Member")
    expect(photo).to_be_visible()
    assert photo.evaluate("image => image.naturalWidth") == 800  # the resized copy for the feed
    author_context.close()
    achievement = Achievement.objects.get()
    assert achievement.photo and achievement.photo_feed

    # Another member cheers: htmx swaps the button in place, without a page load.
    fan_context = browser.new_context(viewport=VIEWPORT)
    page = fan_context.new_page()
    log_in(page, live_server.url, fan.email)
    page.goto(feed_url)
    post = page.locator(f"#achievement-{achievement.pk}")
    page.evaluate("window.noReloadMarker = true")
    post.get_by_role("button", name=re.compile("^Cheer")).click()
    expect(post.get_by_role("button", name=re.compile("^Cheered"))).to_be_visible()
    expect(post.get_by_test_id("cheer-count")).to_have_text("1 cheer")
    assert page.evaluate("window.noReloadMarker") is True
    assert Cheer.objects.filter(achievement=achievement, user=fan).exists()

    # ...and comments on the post.
    post.get_by_role("link", name="0 comments").click()
    expect(page).to_have_url(re.compile(rf"/feed/{achievement.pk}/#comments$"))
    page.get_by_role("textbox", name="Comment").fill("Incredible pace, Mona! <b>wow</b>")
    page.get_by_role("button", name="Comment", exact=True).click()
    comment = page.get_by_test_id("comment").first
    expect(comment).to_contain_text("Finn Fan")
    expect(comment).to_contain_text("Incredible pace, Mona! <b>wow</b>")  # shown as text, not as HTML
    expect(page.locator(f"#achievement-{achievement.pk}")).to_contain_text("1 comment")
    assert Comment.objects.get().author == fan
    page.screenshot(path=artifacts_dir / "feed_cheer_and_comment.png", full_page=True)
    fan_context.close()
